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
func labelLines(text string) (quoted, plain bool) {
	if strings.IndexByte(text, ':') < 0 {
		return false, false
	}
	hasQuote := hasQuoteMark(text)
	n, other, mine := 0, 0, false
	for start := 0; start < len(text); {
		i := start
		for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r') {
			i++
		}
		if j, ok := labelEnd(text, i); ok {
			n++
			label := strings.ToLower(strings.TrimSpace(text[i:j]))
			if !framingLabel(label) {
				other++
			}
			mine = mine || ownLabel(label)
		}
		start = segmentEnd(text, i)
	}
	if hasQuote {
		return n >= 2 && other > 0, false
	}
	return false, other >= 2 && !mine
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

// segmentEnd returns where the next line or sentence after i starts.
func segmentEnd(text string, i int) int {
	for k := i; k < len(text); k++ {
		switch text[k] {
		case '\n':
			return k + 1
		case '.', '!', '?':
			if k+1 < len(text) && (text[k+1] == ' ' || text[k+1] == '\n') {
				return k + 1
			}
		}
	}
	return len(text)
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
