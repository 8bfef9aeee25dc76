package classifier

import "strings"

// labelLines reports whether text sets two or more labelled lines side by
// side. quoted: one of them holds a quotation — "Acme app: 'fuel level
// full'. The actual car: fuel light on", "trazzo: 'primer viaje gratis' 🎉
// / mi extracto: 3,45€": a claim set against what happened. plain: no
// quotation, two labels or more that are neither the author's nor
// framing, and none the author's own things ("my roof before: … / my roof
// now: …") — facts set against each other: "Price: £4.80 / Temperature:
// fridge", "Recogida: martes. Entrega prometida: jueves. Hoy: lunes." A
// label opens a line or a sentence, has at most five words and ends with
// a colon that is not inside a clock time ("23:58") or a URL. Lines
// labelled only by the author ("me: …", "also me: …", "yo: …": the meme
// that laughs at oneself) or by news and framing words ("BREAKING:",
// "Idea:", "Pregunta:") do not make it one.
//
// Only the segments with a colon close enough after their start can hold
// a label, so labelLines visits the colons, not every byte: for each, the
// last segment start before it (segmentStart, a short scan back). That is
// the only start whose label can end there, since a label stops at the
// line or sentence end that opens the next segment; and each start is
// read once, for the first colon after it. One label alone makes
// neither kind, so the first is classified only when a second is found.
func labelLines(text string) (quoted, plain bool) {
	n, other, mine := 0, 0, false
	last := -1  // the last segment start read
	first := "" // the first label, until a second is found
	count := func(label string) {
		framing, own := classifyLabel(label)
		if !framing {
			other++
		}
		mine = mine || own
	}
	for c := strings.IndexByte(text, ':'); c >= 0; {
		if i := segmentStart(text, c); i > last && c-i <= 40 {
			last = i
			if j, ok := labelEnd(text, i); ok {
				n++
				switch n {
				case 1:
					first = text[i:j]
				case 2:
					count(first)
					fallthrough
				default:
					count(text[i:j])
				}
			}
		}
		k := strings.IndexByte(text[c+1:], ':')
		if k < 0 {
			break
		}
		c += 1 + k
	}
	if n < 2 {
		return false, false // one label or none is neither kind, quoted or not
	}
	if hasQuoteMark(text) {
		return other > 0, false
	}
	return false, other >= 2 && !mine
}

// segmentStart returns the start of the segment that holds byte c, a
// byte that is not white space, or -1 when that start is more than 40
// bytes before c (too far for a label to end at c). The text is read as
// segments (lines and sentences): the first starts at 0; from a start,
// the segment ends after the first line end ("\n") or sentence end (". ",
// "! ", "? ", or those before a line end) at or after it, and the next
// starts there, past any white space. Line ends inside that white space
// are skipped with it, so the start of c's segment is the white space
// skipped from the last line or sentence end before c, or from 0
// (labelLinesRef walks the segments one by one).
func segmentStart(text string, c int) int {
	b := 0
	for k := c - 1; k >= 0; k-- {
		if ch := text[k]; ch == '\n' || (ch == '.' || ch == '!' || ch == '?') && (text[k+1] == ' ' || text[k+1] == '\n') {
			b = k + 1 // k < c, so text[k+1] exists
			break
		} else if k <= c-41 && !isLabelSpace(ch) {
			return -1 // the start is at or before k: too far
		}
	}
	for b < c && isLabelSpace(text[b]) {
		b++
	}
	return b
}

// isLabelSpace reports whether c is white space labelLines skips before a
// label.
func isLabelSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// classifyLabel reports whether a label (as written, untrimmed) is the
// author or framing (framingLabel) and whether it names the author's own
// things (ownLabel). An ASCII label is lower-cased on the stack; others
// as strings.ToLower does.
func classifyLabel(raw string) (framing, own bool) {
	label := strings.TrimSpace(raw)
	var buf [40]byte
	ascii := len(label) <= len(buf)
	for k := 0; k < len(label) && ascii; k++ {
		c := label[k]
		if c >= 0x80 {
			ascii = false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[k] = c // k < len(label) <= len(buf)
	}
	if ascii {
		label = string(buf[:len(label)])
	} else {
		label = strings.ToLower(label)
	}
	return framingLabel(label), ownLabel(label)
}

// ownLabel reports whether a lower-cased label names the author's own
// things or the author's own format ("my roof now", "mi gato en casa",
// "hilo", "podcast ep 42"): lines so labelled tell a story, not a claim
// against what happened.
func ownLabel(label string) bool {
	first, _, _ := strings.Cut(label, " ")
	switch first {
	case "my", "mi", "mis", "our", "nuestro", "nuestra", "nuestros", "nuestras", "mine", "hilo", "thread", "podcast":
		return true
	}
	return false
}

// labelEnd returns the index of the colon that ends a label starting at i:
// at most 40 bytes and five words, with no sentence end or quotation mark
// before it; a colon between digits (a clock time) does not end it.
func labelEnd(text string, i int) (int, bool) {
	words := 1
	for j := i; j < len(text) && j-i <= 40; j++ {
		switch c := text[j]; c {
		case ':':
			if j > i && j+1 < len(text) && isDigit(text[j-1]) && isDigit(text[j+1]) {
				continue // 23:58
			}
			if j+1 < len(text) && text[j+1] == '/' {
				return 0, false // https://
			}
			return j, j > i && words <= 5
		case '\n', '.', '!', '?', '"', '\'', 0xe2, 0xc2:
			return 0, false
		case ' ':
			words++
		}
	}
	return 0, false
}

// framingLabel reports whether a lower-cased label is the author ("me",
// "also me at 4am", "yo", "también yo") or a framing word that is not a
// party to the claim ("breaking", "idea", "pregunta", "update").
func framingLabel(label string) bool {
	first, rest, _ := strings.Cut(label, " ")
	switch first {
	case "me", "yo", "i":
		return true
	case "also", "también", "tambien", "and":
		return strings.HasPrefix(rest, "me") || strings.HasPrefix(rest, "yo")
	case "breaking", "update", "updated", "actualizo", "actualización", "actualizacion", "edit", "ps",
		"news", "noticia", "noticias", "idea", "tip", "psa", "fyi", "ojo", "aviso", "nota", "note",
		"pregunta", "question", "sugerencia", "suggestion", "propuesta", "petición", "peticion",
		"hola", "hi", "hey", "dear", "querido", "querida", "estimado", "estimada", "buenas", "ref", "pedido", "order":
		return true
	}
	return strings.HasPrefix(label, "feature request") || strings.HasPrefix(label, "última hora") ||
		strings.HasPrefix(label, "ultima hora") || strings.HasPrefix(label, "local news") ||
		strings.HasPrefix(label, "unpopular opinion") || strings.HasPrefix(label, "hot take")
}

// hasQuoteMark reports whether text has a quotation mark that is not an
// apostrophe: " “ ” « », or ' ‘ ’ not between two letters ("I'll",
// "it’s" are words, not quotations).
func hasQuoteMark(text string) bool {
	letter := func(i int) bool {
		if i < 0 || i >= len(text) {
			return false
		}
		c := text[i]
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
	}
	for i := firstQuoteByte(text); i < len(text); i++ {
		switch c := text[i]; {
		case c == '"':
			return true
		case c == '\'':
			if !(letter(i-1) && letter(i+1)) {
				return true
			}
		case c == 0xc2 && i+1 < len(text) && (text[i+1] == 0xab || text[i+1] == 0xbb): // « »
			return true
		case c == 0xe2 && i+2 < len(text) && text[i+1] == 0x80:
			switch text[i+2] {
			case 0x9c, 0x9d: // “ ”
				return true
			case 0x98, 0x99: // ‘ ’
				if !(letter(i-1) && letter(i+3)) {
					return true
				}
			}
		}
	}
	return false
}
