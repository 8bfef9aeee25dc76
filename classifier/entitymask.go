package classifier

// maskEntities drops every rule hit that lies wholly inside the name of
// the brand, the CEO or a competitor: a brand called "Bravo Fit" or
// "Hello Fresh" is a name, not praise, and "Mal Café" is not a
// grievance. Entity hits themselves, hits that reach past the name, and
// hits on @handles (rules about addressing someone) stay. It keeps the
// order of the remaining hits and allocates nothing.
func (rs *ruleset) maskEntities(d *doc) {
	any := false
	for _, h := range d.hits {
		if rs.rules[h.rule].class == clsEntity {
			any = true
			break
		}
	}
	if !any {
		return
	}
	n := 0
	for _, h := range d.hits {
		if rs.rules[h.rule].class != clsEntity && d.toks[h.start].kind != kHandle && rs.insideEntity(d, h) {
			continue
		}
		d.hits[n] = h
		n++
	}
	d.hits = d.hits[:n]
}

// insideEntity reports whether hit h lies within an entity hit.
func (rs *ruleset) insideEntity(d *doc, h hit) bool {
	for _, e := range d.hits {
		if rs.rules[e.rule].class == clsEntity && e.start <= h.start && h.end <= e.end {
			return true
		}
	}
	return false
}
