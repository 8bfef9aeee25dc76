package escucha

import "time"

// Label is what the classifier decided a mention is.
type Label string

// The labels of the classify contract.
const (
	LabelComplaint  Label = "complaint"
	LabelSuggestion Label = "suggestion"
	LabelOther      Label = "other"
)

// Valid reports whether l is one of the known labels.
func (l Label) Valid() bool {
	return l == LabelComplaint || l == LabelSuggestion || l == LabelOther
}

// Severity is how urgent a complaint is. Suggestions and other posts have
// no severity (the empty string, encoded as JSON null by the classify
// contract).
type Severity string

// The severities, from least to most urgent.
const (
	SeverityNone     Severity = ""
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Rank orders severities: none 0, low 1, medium 2, high 3, critical 4, and
// -1 for an unknown value.
func (s Severity) Rank() int {
	switch s {
	case SeverityNone:
		return 0
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 3
	case SeverityCritical:
		return 4
	}
	return -1
}

// Span is a byte range [Start, End) in the original text of a mention.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// RuleHit is one rule that fired on a text, with the words it matched, so
// a person can see why a mention was flagged.
type RuleHit struct {
	// ID names the rule, for example "es.complaint.espera".
	ID string `json:"id"`
	// Weight is the rule's contribution to the verdict's score.
	Weight float64 `json:"weight"`
	// Explanation says in words what the rule looks for.
	Explanation string `json:"explanation,omitempty"`
	// Spans locate the matched words in the original text.
	Spans []Span `json:"spans,omitempty"`
}

// Verdict is the classifier's judgement of one text.
type Verdict struct {
	Label    Label    `json:"label"`
	Severity Severity `json:"severity,omitempty"`
	// Lang is the given or detected language, "es" or "en".
	Lang string `json:"lang"`
	// CEO is true when the post names or addresses the CEO.
	CEO bool `json:"ceo"`
	// Score is the classifier's confidence in Label, between 0 and 1.
	Score float64 `json:"score"`
	// LowConfidence is true when Score is under the configured threshold.
	LowConfidence bool `json:"low_confidence,omitempty"`
	// Rules lists the rules that fired.
	Rules []RuleHit `json:"rules"`
	// ClassifiedAt is when the verdict was made.
	ClassifiedAt time.Time `json:"classified_at"`
}

// RuleIDs returns the ids of the rules that fired, in order.
func (v Verdict) RuleIDs() []string {
	ids := make([]string, len(v.Rules))
	for i, r := range v.Rules {
		ids[i] = r.ID
	}
	return ids
}

// Flagged reports whether the verdict asks for a person's attention: a
// complaint or a suggestion.
func (v Verdict) Flagged() bool {
	return v.Label == LabelComplaint || v.Label == LabelSuggestion
}
