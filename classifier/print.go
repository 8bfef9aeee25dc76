package classifier

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	escucha "github.com/escucha/escucha"
)

// uiText holds the words of the human-readable verdicts in one language.
type uiText struct {
	label, severity, lang, ceo, score, rules, low, none, yes, no string
	labels                                                       map[escucha.Label]string
	severities                                                   map[escucha.Severity]string
}

var uiTexts = map[string]uiText{
	"es": {label: "etiqueta", severity: "gravedad", lang: "idioma", ceo: "CEO", score: "confianza", rules: "reglas",
		low: "confianza baja", none: "ninguna regla: nada que señalar", yes: "sí", no: "no",
		labels: map[escucha.Label]string{escucha.LabelComplaint: "queja", escucha.LabelSuggestion: "sugerencia", escucha.LabelOther: "otro"},
		severities: map[escucha.Severity]string{escucha.SeverityLow: "baja", escucha.SeverityMedium: "media",
			escucha.SeverityHigh: "alta", escucha.SeverityCritical: "crítica", escucha.SeverityNone: "—"}},
	"en": {label: "label", severity: "severity", lang: "language", ceo: "CEO", score: "score", rules: "rules",
		low: "low confidence", none: "no rule fired: nothing to flag", yes: "yes", no: "no",
		labels: map[escucha.Label]string{escucha.LabelComplaint: "complaint", escucha.LabelSuggestion: "suggestion", escucha.LabelOther: "other"},
		severities: map[escucha.Severity]string{escucha.SeverityLow: "low", escucha.SeverityMedium: "medium",
			escucha.SeverityHigh: "high", escucha.SeverityCritical: "critical", escucha.SeverityNone: "—"}},
}

// PrintVerdicts writes each text's verdict for a person: label, severity,
// language, CEO, score, and every rule that fired with its explanation and
// the words it matched. uiLang is "es" or "en" (anything else is English).
func PrintVerdicts(w io.Writer, c *Classifier, texts []string, uiLang string) error {
	t, ok := uiTexts[uiLang]
	if !ok {
		t = uiTexts["en"]
	}
	bw := bufio.NewWriter(w)
	for i, text := range texts {
		v := c.Classify(text, "")
		if i > 0 {
			fmt.Fprintln(bw)
		}
		fmt.Fprintf(bw, "%q\n", text)
		yn := t.no
		if v.CEO {
			yn = t.yes
		}
		fmt.Fprintf(bw, "  %s: %s   %s: %s   %s: %s   %s: %s   %s: %.2f",
			t.label, t.labels[v.Label], t.severity, t.severities[v.Severity], t.lang, v.Lang, t.ceo, yn, t.score, v.Score)
		if v.LowConfidence {
			fmt.Fprintf(bw, " (%s)", t.low)
		}
		fmt.Fprintln(bw)
		if len(v.Rules) == 0 {
			fmt.Fprintf(bw, "  %s\n", t.none)
			continue
		}
		fmt.Fprintf(bw, "  %s:\n", t.rules)
		for _, r := range v.Rules {
			var words []string
			for _, s := range r.Spans {
				if s.Start >= 0 && s.End <= len(text) && s.Start < s.End {
					words = append(words, "«"+text[s.Start:s.End]+"»")
				}
			}
			fmt.Fprintf(bw, "    %-32s %+.2f  %s", r.ID, r.Weight, r.Explanation)
			if len(words) > 0 {
				fmt.Fprintf(bw, "  %s", strings.Join(words, " "))
			}
			fmt.Fprintln(bw)
		}
	}
	return bw.Flush()
}
