package notifier

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
)

func yes() *bool { v := true; return &v }
func no() *bool  { v := false; return &v }

func routeConfig() config.Config {
	cfg := config.Default()
	cfg.HTTP.PublicURL = "https://escucha.example/"
	cfg.Recipients = map[string]config.Recipient{
		"elena":   {Name: "Elena Ruiz", Language: "es"},
		"comms":   {Name: "Comms", Language: "en"},
		"product": {Name: "Product"},
		"legal":   {Name: "Legal"},
	}
	cfg.Routes = []config.Route{
		{Name: "ceo", Match: config.Match{CEO: yes()}, Recipients: []string{"elena", "comms"}, Continue: true},
		{Name: "safety", Match: config.Match{Keywords: []string{"batería", "incendio"}}, Recipients: []string{"legal"}, Continue: true},
		{Name: "urgent", Match: config.Match{Labels: []string{"complaint"}, MinSeverity: "high", CEO: no()}, Recipients: []string{"comms", "elena"}},
		{Name: "english", Match: config.Match{Labels: []string{"complaint"}, Langs: []string{"en"}, Sources: []string{"x"}}, Recipients: []string{"comms"}},
		{Name: "ideas", Match: config.Match{Labels: []string{"suggestion"}}, Recipients: []string{"product"}},
		{Name: "rest", Match: config.Match{Labels: []string{"complaint", "suggestion"}}, Recipients: []string{"comms"}},
	}
	return cfg
}

func TestRouterMatching(t *testing.T) {
	r, err := NewRouter(routeConfig())
	require.NoError(t, err)
	cases := []struct {
		name   string
		source string
		text   string
		v      escucha.Verdict
		want   []string
	}{
		{"other is never alerted", "x", "hola", escucha.Verdict{Label: escucha.LabelOther, CEO: true}, nil},
		{"ceo route continues into urgent? no: urgent wants ceo false", "x", "llevo semanas",
			escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityHigh, CEO: true, Lang: "es"}, []string{"elena", "comms"}},
		{"ceo continues to rest for a low complaint", "x", "mal servicio",
			escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityLow, CEO: true, Lang: "es"}, []string{"elena", "comms"}},
		{"high complaint not ceo", "x", "llevo semanas",
			escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityHigh, Lang: "es"}, []string{"comms", "elena"}},
		{"critical passes min high", "demo", "nada",
			escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityCritical, Lang: "es"}, []string{"comms", "elena"}},
		{"medium falls to rest", "demo", "nada",
			escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityMedium, Lang: "es"}, []string{"comms"}},
		{"english route needs source x", "demo", "bad",
			escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityMedium, Lang: "en"}, []string{"comms"}},
		{"keyword without accent and upper case, continue", "x", "La BATERIA de mi coche se calienta",
			escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityMedium, Lang: "es"}, []string{"legal", "comms"}},
		{"keyword with accent in text", "x", "¡Incendio! en el garaje",
			escucha.Verdict{Label: escucha.LabelSuggestion, Lang: "es"}, []string{"legal", "product"}},
		{"keyword is whole words only", "x", "baterías nuevas",
			escucha.Verdict{Label: escucha.LabelSuggestion, Lang: "es"}, []string{"product"}},
		{"ceo plus keyword plus urgent order", "x", "batería",
			escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityHigh, CEO: true, Lang: "es"}, []string{"elena", "comms", "legal"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := escucha.Mention{Source: c.source, ID: "1", Text: c.text}
			require.Equal(t, c.want, r.Recipients(m, c.v))
			alerts := r.Route(m, c.v, time.Now())
			require.Len(t, alerts, len(c.want))
			for i, a := range alerts {
				require.Equal(t, c.want[i], a.Recipient)
			}
		})
	}
}

func TestRouterAlertFields(t *testing.T) {
	r, err := NewRouter(routeConfig())
	require.NoError(t, err)
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	m := escucha.Mention{
		Source: "x", ID: "1861", Lang: "es", URL: "https://x.com/ana/status/1861",
		Text:     "@volta llevo 3 semanas esperando\n\nla devolución de mi coche y nadie me responde, ¿alguien de atención al cliente puede ayudarme?",
		Author:   escucha.Author{Handle: "ana", Name: "Ana", Followers: 1234},
		PostedAt: now.Add(-time.Minute), FetchedAt: now.Add(-30 * time.Second),
	}
	v := escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityHigh, CEO: true, Lang: "es",
		Rules: []escucha.RuleHit{{ID: "es.complaint.espera"}, {ID: "es.ceo.handle"}}}
	alerts := r.Route(m, v, now)
	require.Len(t, alerts, 2)
	es, en := alerts[0], alerts[1]
	require.Equal(t, "x/1861/elena/0", es.ID)
	require.Equal(t, escucha.AlertID(m.Key(), "comms", 0), en.ID)
	require.Equal(t, "https://escucha.example/alerts/x%2F1861%2Felena%2F0", es.URL)
	require.Equal(t, []string{"es.complaint.espera", "es.ceo.handle"}, es.Rules)
	require.Equal(t, now, es.CreatedAt)
	require.True(t, es.NotifiedAt.IsZero())
	require.Equal(t, m, es.Mention)
	require.True(t, strings.HasPrefix(es.Title, "Queja alta · CEO · @ana: @volta llevo 3 semanas esperando la devolución"), es.Title)
	require.True(t, strings.HasPrefix(en.Title, "High complaint · CEO · @ana: @volta llevo 3 semanas"), en.Title)
	for _, a := range alerts {
		require.LessOrEqual(t, utf8.RuneCountInString(a.Title), TitleMaxRunes)
		require.True(t, utf8.ValidString(a.Title))
		require.True(t, strings.HasSuffix(a.Title, "…"), a.Title)
		require.NotContains(t, a.Title, "\n")
	}

	// The published JSON carries the DESIGN schema's fields.
	b, err := json.Marshal(es)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	for _, k := range []string{"id", "recipient", "escalation", "label", "severity", "ceo", "rules", "title", "url", "mention", "created_at"} {
		require.Contains(t, got, k)
	}
	require.NotContains(t, got, "notified_at", "pending alerts have no notified_at")
}

func TestTitles(t *testing.T) {
	m := escucha.Mention{Text: "Deberían abrir los domingos", Author: escucha.Author{Handle: "luis"}}
	cases := []struct {
		lang string
		v    escucha.Verdict
		want string
	}{
		{"es", escucha.Verdict{Label: escucha.LabelSuggestion}, "Sugerencia · @luis: Deberían abrir los domingos"},
		{"en", escucha.Verdict{Label: escucha.LabelSuggestion}, "Suggestion · @luis: Deberían abrir los domingos"},
		{"es", escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityCritical}, "Queja crítica · @luis: Deberían abrir los domingos"},
		{"en", escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityLow, CEO: true}, "Low complaint · CEO · @luis: Deberían abrir los domingos"},
		{"en", escucha.Verdict{Label: escucha.LabelComplaint}, "Complaint · @luis: Deberían abrir los domingos"},
		{"fr", escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityMedium}, "Queja media · @luis: Deberían abrir los domingos"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, Title(c.lang, m, c.v))
	}
	// Multi-byte runes are never split.
	long := escucha.Mention{Text: strings.Repeat("ñ", 300), Author: escucha.Author{Handle: "x"}}
	title := Title("es", long, escucha.Verdict{Label: escucha.LabelSuggestion})
	require.True(t, utf8.ValidString(title))
	require.Equal(t, TitleMaxRunes, utf8.RuneCountInString(title))
}

func TestRecipientLanguageFallsBackToGlobal(t *testing.T) {
	cfg := routeConfig()
	cfg.Language = "en"
	r, err := NewRouter(cfg)
	require.NoError(t, err)
	alerts := r.Route(escucha.Mention{Source: "x", ID: "2", Text: "idea"}, escucha.Verdict{Label: escucha.LabelSuggestion}, time.Now())
	require.Len(t, alerts, 1)
	require.Equal(t, "product", alerts[0].Recipient)
	require.Equal(t, "Suggestion · idea", alerts[0].Title)
}

func TestNewRouterErrors(t *testing.T) {
	cases := []struct {
		name string
		edit func(*config.Config)
		want string
	}{
		{"undefined recipient", func(c *config.Config) { c.Routes[2].Recipients = []string{"comms", "bob"} }, `routes[2].recipients[1]: undefined recipient "bob"`},
		{"no recipients", func(c *config.Config) { c.Routes[0].Recipients = nil }, "routes[0].recipients"},
		{"recipient not a token", func(c *config.Config) { c.Recipients["a.b"] = config.Recipient{} }, "recipients.a.b: name must be one NATS subject token"},
		{"recipient with wildcard", func(c *config.Config) { c.Recipients["ops>"] = config.Recipient{} }, "recipients.ops>"},
		{"bad label", func(c *config.Config) { c.Routes[1].Match.Labels = []string{"praise"} }, `routes[1].match.labels[0]: unknown label "praise"`},
		{"bad severity", func(c *config.Config) { c.Routes[2].Match.MinSeverity = "urgent" }, `routes[2].match.min_severity: unknown severity "urgent"`},
		{"bad source", func(c *config.Config) { c.Routes[3].Match.Sources = []string{"x", "my source"} }, `routes[3].match.sources[1]`},
		{"empty keyword", func(c *config.Config) { c.Routes[1].Match.Keywords = []string{"!!"} }, `routes[1].match.keywords[0]`},
		{"bad language", func(c *config.Config) { c.Recipients["legal"] = config.Recipient{Language: "fr"} }, `recipients.legal.language: unsupported "fr"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := routeConfig()
			c.edit(&cfg)
			_, err := NewRouter(cfg)
			require.ErrorContains(t, err, c.want)
		})
	}
}

func TestDefaultConfigRoutes(t *testing.T) {
	r, err := NewRouter(config.Default())
	require.NoError(t, err)
	m := escucha.Mention{Source: "demo", ID: "7", Text: "x"}
	require.Equal(t, []string{"elena", "comms"}, r.Recipients(m, escucha.Verdict{Label: escucha.LabelSuggestion, CEO: true}))
	require.Equal(t, []string{"comms"}, r.Recipients(m, escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityMedium}))
}
