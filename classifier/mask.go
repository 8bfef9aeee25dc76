package classifier

// maskHits drops the rule hits that do not mean what their words say, in
// one pass that keeps the order of the rest and allocates nothing:
//
//   - a hit lying wholly inside the name of the brand, the CEO or a
//     competitor: a brand called "Bravo Fit" or "Hello Fresh" is a name,
//     not praise, and "Mal Café" is not a grievance (entity hits
//     themselves, hits that reach past the name, and hits on @handles,
//     rules about addressing someone, stay);
//   - a praise hit inside quotation marks: "'the most reliable network'",
//     «rápido y fácil» are the brand's words quoted back at it, usually
//     against what happened, not the author's praise (see quoteSpans);
//   - in a post that makes a proposal, a grievance or irony hit inside
//     quotation marks: "a 'never play this song again' button", "un modo
//     'no compres a las 3am'" name the feature proposed, not a failure;
//   - a proposal inside quotation marks: someone else's words ("told her
//     she 'should have someone younger handle this'"), not the author's;
//   - in a post that names the CEO and tells no story of the author's own
//     (no first- or second-person word, person rule or @handle outside
//     quotation marks), a grievance, severity or irony hit inside
//     quotation marks: the CEO's own words quoted ("Marta Ibarra at the
//     summit: 'a badly parked scooter is a spot we failed to design'");
//   - a hit of the other side lying wholly inside the hit of a rule that
//     covers it (rule attribute covers): "nunca he tenido un problema"
//     (other) denies the problem its own words name, so "problema" is no
//     grievance; "nunca he tenido un problema… hasta hoy" (complaint)
//     turns that denial around, so it is no praise; "keep up the great
//     work" (praise) asks for nothing, so its "keep the" is no proposal.
func (rs *ruleset) maskHits(d *doc) {
	var ents, ceo, praise, other, proposal, quotedProposal bool
	var coverBuf [8]hit
	covers := coverBuf[:0] // hits of rules that cover (at most eight)
	// The text's quotations, found in one scan the first time a hit asks:
	// a hit is quoted when it lies inside one of them.
	scanned := false
	quoted := func(h hit) bool {
		if !scanned {
			// A post that is one quotation from end to end ("\"Please
			// add…\"") is the author's words: quoteSpans reads inside it.
			d.qspans, scanned = quoteSpans(d.text, d.qspans[:0]), true
		}
		return inQuote(d.qspans, int(d.toks[h.start].os), int(d.toks[h.end].oe))
	}
	for _, h := range d.hits {
		if rs.rules[h.rule].covers && len(covers) < len(coverBuf) {
			covers = append(covers, h)
		}
		switch rs.rules[h.rule].class {
		case clsEntity:
			ents = true
			ceo = ceo || rs.rules[h.rule].entity == entCEO
		case clsPraise:
			praise = true
		case clsOther:
			other = true
		case clsSuggestion:
			// A proposal quoted from someone else ("told her she 'should
			// have someone younger…'") is not the author's.
			if quoted(h) {
				quotedProposal = true
			} else {
				proposal = true
			}
		}
	}
	if !ents && !praise && !other && !proposal && !quotedProposal && len(covers) == 0 {
		return
	}
	// The CEO quoted in a post that tells no story of the author's own
	// (no first or second person, no @handle, outside the quotations): the
	// grievance words inside the quotation are the CEO's ("Marta Ibarra at
	// the summit: 'a badly parked scooter is a spot we failed to design'").
	ceoQuote := ceo && !rs.personalOutsideQuotes(d, quoted)
	n := 0
	for _, h := range d.hits {
		switch class := rs.rules[h.rule].class; {
		case rs.rules[h.rule].person:
			// Kept: match has already made the post personal with it.
		case ents && class != clsEntity && d.toks[h.start].kind != kHandle && rs.insideEntity(d, h):
			continue
		case praise && class == clsPraise && quoted(h):
			continue
		case other && class == clsOther && rs.rules[h.rule].when != whenNoOwnGrievance && quoted(h):
			continue
		case proposal && (class == clsComplaint || class == clsSeverity || class == clsSarcasm) &&
			quoted(h):
			continue
		case quotedProposal && class == clsSuggestion && quoted(h):
			continue
		case ceoQuote && (class == clsComplaint || class == clsSeverity || class == clsSarcasm) && quoted(h):
			continue
		case len(covers) > 0 && rs.covered(h, class, covers):
			continue
		}
		d.hits[n] = h
		n++
	}
	d.hits = d.hits[:n]
}

// side is which side of a verdict a rule class speaks for: 0 for a
// grievance (complaint, severity, irony) or a proposal, 1 for their
// denial or praise (other, praise), -1 for neither. Praise covers a
// proposal inside its words: "keep up the great work" asks for nothing,
// "deberían ser ilegales de lo buenos que están" proposes no law.
// Suggestion rules never cover (the rules file refuses it), so a
// grievance rule's cover never reaches a proposal.
func side(c ruleClass) int {
	switch c {
	case clsComplaint, clsSeverity, clsSarcasm, clsSuggestion:
		return 0
	case clsOther, clsPraise:
		return 1
	}
	return -1
}

// covered reports whether hit h, of class c, lies wholly within a hit of
// covers whose rule speaks for the other side.
func (rs *ruleset) covered(h hit, c ruleClass, covers []hit) bool {
	s := side(c)
	if s < 0 {
		return false
	}
	for _, v := range covers {
		if vs := side(rs.rules[v.rule].class); vs >= 0 && vs != s && v.start <= h.start && h.end <= v.end {
			return true
		}
	}
	return false
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

// personalOutsideQuotes reports whether a first- or second-person word, a
// rule that makes its sentence the author's (rule attribute person) or an
// @handle lies outside the text's quotations (quoted tells); the @handles
// a reply opens with count as replyCounts says.
func (rs *ruleset) personalOutsideQuotes(d *doc, quoted func(hit) bool) bool {
	for _, h := range d.hits {
		if rs.rules[h.rule].person && !quoted(h) {
			return true
		}
	}
	reply := d.lead > 0 && rs.replyCounts(d) // the opening @handles count
	for i := range d.toks {
		t := &d.toks[i]
		p := t.kind == kHandle && (int32(i) >= d.lead || reply) || t.kind == kWord && firstPersonVerb(d.text[t.os:t.oe], d.buf[t.ns:t.ne])
		for _, id := range d.ids[d.idAt[i]:d.idAt[i+1]] {
			p = p || rs.person[id] != 0
		}
		if p && !quoted(hit{start: int32(i), end: int32(i)}) {
			return true
		}
	}
	return false
}

// replyCounts reports whether the @handles the text opens with (a reply's
// addressees, doc.lead) make it the author's own: when one of them is the
// brand's or the CEO's, or when the brand and the CEO are not named after
// them (the handles may be the company's own accounts). "@juan @marta
// Cestalia's app was down for two hours" is a comment to other people.
func (rs *ruleset) replyCounts(d *doc) bool {
	named := false
	for _, h := range d.hits {
		r := &rs.rules[h.rule]
		if r.class != clsEntity || r.entity != entBrand && r.entity != entCEO {
			continue
		}
		if h.start < d.lead {
			return true
		}
		named = true
	}
	return !named
}
