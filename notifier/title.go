package notifier

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/escucha/escucha"
)

// TitleMaxRunes is the longest alert title, so it fits a phone's lock screen.
const TitleMaxRunes = 100

// kindWords names a verdict in each language: label, then severity.
var kindWords = map[string]struct {
	complaint, suggestion string
	severity              map[escucha.Severity]string
}{
	"es": {
		complaint:  "Queja",
		suggestion: "Sugerencia",
		severity: map[escucha.Severity]string{
			escucha.SeverityLow:      "Queja leve",
			escucha.SeverityMedium:   "Queja media",
			escucha.SeverityHigh:     "Queja alta",
			escucha.SeverityCritical: "Queja crítica",
		},
	},
	"en": {
		complaint:  "Complaint",
		suggestion: "Suggestion",
		severity: map[escucha.Severity]string{
			escucha.SeverityLow:      "Low complaint",
			escucha.SeverityMedium:   "Medium complaint",
			escucha.SeverityHigh:     "High complaint",
			escucha.SeverityCritical: "Critical complaint",
		},
	},
}

func knownLanguage(l string) bool {
	_, ok := kindWords[l]
	return ok
}

// Title builds the short lock-screen line of an alert in lang ("es" or "en";
// anything else falls back to "es"): what it is, "CEO" when the post
// addresses the CEO, the author and the start of the text, for example
// "Queja alta · @ana: llevo 3 semanas esperando…". The text is the
// stranger's own: whitespace and control characters are collapsed, and the
// title is cut on a rune boundary at TitleMaxRunes.
func Title(lang string, m escucha.Mention, v escucha.Verdict) string {
	w, ok := kindWords[lang]
	if !ok {
		w = kindWords["es"]
	}
	kind := w.suggestion
	if v.Label == escucha.LabelComplaint {
		kind = w.complaint
		if s, ok := w.severity[v.Severity]; ok {
			kind = s
		}
	}
	var b strings.Builder
	b.WriteString(kind)
	if v.CEO {
		b.WriteString(" · CEO")
	}
	b.WriteString(" · ")
	if h := cleanLine(m.Author.Handle); h != "" {
		b.WriteString("@" + strings.TrimPrefix(h, "@") + ": ")
	}
	b.WriteString(cleanLine(m.Text))
	return truncate(b.String(), TitleMaxRunes)
}

// cleanLine collapses runs of whitespace and control characters into one
// space, so a title is one line.
func cleanLine(s string) string {
	var b strings.Builder
	space := false
	for _, c := range s {
		if unicode.IsSpace(c) || unicode.IsControl(c) || c == utf8.RuneError {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(c)
	}
	return b.String()
}

// truncate cuts s to at most n runes, ending with "…" when it was cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for j := range s {
		if count == n-1 {
			i = j
			break
		}
		count++
	}
	return strings.TrimRight(s[:i], " ") + "…"
}
