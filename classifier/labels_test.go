package classifier

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLabelLines(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"Acme app: 'fuel level full'. The actual car: fuel light on, 18 km of range", true},
		{"Acme: \"fresh from the farm\"\n\nMe: holding a bag of liquid that used to be spinach", true},
		{"acme: 'primer viaje gratis' 🎉\nmi extracto: 3,45€\nvale.", true},
		{"Acme, 2023: “ad-free. always.”\nAcme, today: 30 second ad before my show", true},
		// The author laughing at themself, apostrophes, clock times, URLs.
		{"me: I'll go to the gym tomorrow\nalso me: 'maybe next week'", false},
		{"me: I'll go to the gym tomorrow\nacme app: you said that yesterday", false},
		{"Landed at 23:58: the Acme desk said 'closed' and went home", false},
		{"see https://acme.example/help: it says 'contact us'", false},
		{"BREAKING: Acme fined. Update: the regulator says 'serious breach'", false},
		{"Acme: 'free delivery'", false},
		{"", false},
	} {
		if got, _ := labelLines(tc.text); got != tc.want {
			t.Errorf("labelLines(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestLabelLinesPlain(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"Acme breakfast roll.\nPrice: £4.80\nTemperature: fridge\nBacon: theoretical", true},
		{"Recogida: martes.\nEntrega prometida: jueves.\nHoy: lunes.\n@acme", true},
		{"Acme truck window: 8-10am\nCurrent time: 2:47pm", true},
		// The author's own things, the author alone, one label, framing.
		{"my roof before Acme: 🪨\nmy roof now: 🌞", false},
		{"mi gato en Acme: un angelito\nmi gato en casa: el demonio", false},
		{"me: one episode\nalso me at 4am: 👀", false},
		{"Acme: 14€ this month", false},
		{"BREAKING: Acme fined.\nUpdate: it will appeal", false},
		// With a quotation it is the quoted kind, not the plain one.
		{"Acme app: 'fuel level full'. The actual car: fuel light on", false},
	} {
		if _, got := labelLines(tc.text); got != tc.want {
			t.Errorf("labelLines(%q) plain = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// TestLabelLinesAgreesWithReference compares labelLines, which visits
// only the colons, with labelLinesRef, which walks every segment, on the
// test data, noisy texts, texts made of label-like pieces and the first
// 50,000 lines of ESCUCHA_BENCH_JSONL when set.
func TestLabelLinesAgreesWithReference(t *testing.T) {
	c := newC(t, Options{})
	texts := testTexts(t, c.rs.Load())
	if path := os.Getenv("ESCUCHA_BENCH_JSONL"); path != "" {
		texts = append(texts, jsonlTexts(t, path, 50000)...)
	}
	pieces := []string{":", ": ", " ", "  ", "\n", "\n\n", " \n ", "\t", "\r\n", ".", ". ", "!", "? ", "?\n", "'", "\"", "“", "’", "«",
		"12:30", "https://x.co", "me", "Me", "yo", "also me", "my roof", "Mi", "BREAKING", "Última hora", "ÚLTIMA HORA", "Actualización",
		"price", "Acme app", "ACME", "the actual car", "hoy", "a b c d e f", strings.Repeat("x", 45), strings.Repeat(" ", 45), "word", "it's", "é"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var b strings.Builder
		for range 1 + rng.IntN(14) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		texts = append(texts, b.String())
	}
	for _, text := range texts {
		q, p := labelLines(text)
		wq, wp := labelLinesRef(text)
		require.Equal(t, [2]bool{wq, wp}, [2]bool{q, p}, "text %q", text)
	}
}
