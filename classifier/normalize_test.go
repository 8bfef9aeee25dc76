package classifier

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
)

// norms tokenizes text (with language expansion) and returns the folded tokens.
func norms(t *testing.T, text, lang string) []string {
	t.Helper()
	c, err := New(Options{})
	require.NoError(t, err)
	rs := c.rs.Load()
	d := new(doc)
	rs.normalize(d, text, lang)
	var out []string
	for i := range d.toks {
		out = append(out, string(d.norm(i)))
	}
	return out
}

func TestNormalizeAccentsAndCase(t *testing.T) {
	require.Equal(t, []string{"pesimo", "servicio", "de", "atencion"}, norms(t, "PÉSIMO servicio de atención", "es"))
	require.Equal(t, "pesimo", FoldWord("pésimo"))
	require.Equal(t, "pesimo", FoldWord("pesimo"))
	require.Equal(t, "nino", FoldWord("Niño"))
	// NFKC: fullwidth and "mathematical bold" letters.
	require.Equal(t, "hola", FoldWord("ｈｏｌａ"))
	require.Equal(t, "bad", FoldWord("𝐛𝐚𝐝"))
}

func TestNormalizeElongation(t *testing.T) {
	require.Equal(t, []string{"pesimo"}, norms(t, "pésimoooooo", "es"))
	require.Equal(t, []string{"no", "!"}, norms(t, "noooo!!!", "es"))
	require.Equal(t, []string{"jaja"}, norms(t, "jajajajaja", "es"))
}

// TestLineBreakAfterSentenceEnd: a line break ends a sentence, but one
// that follows a sentence already ended (".\n", a blank line) adds no
// second end, so "Monday.\nIt's Thursday" reads as "Monday. It's
// Thursday" to patterns.
func TestLineBreakAfterSentenceEnd(t *testing.T) {
	require.Equal(t, []string{"monday", ".", "its", "thursday", "."}, norms(t, "Monday.\nIt's Thursday.", "en"))
	require.Equal(t, []string{"monday", ".", "its", "thursday"}, norms(t, "Monday\n\n\nIt's Thursday", "en"))
	require.Equal(t, []string{"ok", "!", "yes"}, norms(t, "ok!\nyes", "en"))
}

// TestNormalizeHoursUnit: an "h" written onto a number is hours ("Llevo
// 2h en la cola", "1h20", "on hold 3H"), unless the number is a time of
// day ("a las 22h"); a lone "h" stays a letter.
func TestNormalizeHoursUnit(t *testing.T) {
	require.Equal(t, []string{"llevo", "2", "horas", "en", "la", "cola"}, norms(t, "Llevo 2h en la cola", "es"))
	require.Equal(t, []string{"tardo", "1", "horas", "50", "en", "cargar"}, norms(t, "Tardó 1h50 en cargar", "es"))
	require.Equal(t, []string{"on", "hold", "3", "hours", "!"}, norms(t, "on hold 3H!", "en"))
	require.Equal(t, []string{"a", "las", "22", "y", "nada"}, norms(t, "a las 22h y nada", "es"))
	require.Equal(t, []string{"plan", "h", "2", "hd"}, norms(t, "plan H 2HD", "en"))
	c := newC(t, Options{})
	for _, text := range []string{"Llevo 1h20 en la cola de @rodanza y solo dos personas atendiendo", "been on hold for 2h with @acme"} {
		v := c.Classify(text, "")
		require.Equal(t, escucha.LabelComplaint, v.Label, "%s: %v", text, v.Rules)
	}
	d := new(doc)
	rs := c.rs.Load()
	rs.normalize(d, "Le escribí a las 22h y a las 22:40 ya funcionaba", "es")
	for i := range d.toks {
		if string(d.norm(i)) == "22" {
			require.Equal(t, kTime, d.toks[i].kind, "a las 22h is a time of day")
			require.Equal(t, "22h", d.text[d.toks[i].os:d.toks[i].oe])
		}
	}
}

func TestNormalizeHashtagsHandlesURLs(t *testing.T) {
	require.Equal(t, []string{"mal", "servicio"}, norms(t, "#MalServicio", "es"))
	require.Equal(t, []string{"mal", "servicio"}, norms(t, "#mal_servicio", "es"))
	require.Equal(t, []string{"@conecta_ayuda", "<url>"}, norms(t, "@Conecta_Ayuda https://t.co/xYz?a=1", "es"))
}

func TestNormalizeEmojiAndEmoticons(t *testing.T) {
	require.Equal(t, []string{"👎", "🙂", "🙁", "😕"}, norms(t, "👎🏽 :) :-( :/", "en"))
	require.Equal(t, []string{"<url>"}, norms(t, "http://x.y/a", "en"), "a URL's :/ is not a face")
}

func TestNormalizeAbbreviationsAndVariants(t *testing.T) {
	require.Equal(t, []string{"porque", "que", "tambien", "no", "te", "preocupes"}, norms(t, "xq q tmb ntp", "es"))
	require.Equal(t, []string{"se", "me", "rompio", "el", "movil"}, norms(t, "se me rompió el celular", "es"))
	require.Equal(t, []string{"please", "fix", "it", "because"}, norms(t, "pls fix it bc", "en"))
}

func TestNormalizeVoseo(t *testing.T) {
	require.Equal(t, []string{"si", "quieres", "puedes", "pero", "tienes", "que", "esperar"}, norms(t, "si querés podés pero tenés que esperar", "es"))
}

func TestSpansPointIntoOriginal(t *testing.T) {
	c, err := New(Options{})
	require.NoError(t, err)
	text := "Llevo TRES días sin internet 😡 y nadie me contesta"
	v := c.Classify(text, "")
	require.NotEmpty(t, v.Rules)
	for _, r := range v.Rules {
		for _, s := range r.Spans {
			require.True(t, s.Start >= 0 && s.End <= len(text) && s.Start < s.End)
			require.True(t, utf8.ValidString(text[s.Start:s.End]))
		}
	}
}

func TestLanguageDetection(t *testing.T) {
	c, err := New(Options{})
	require.NoError(t, err)
	require.Equal(t, "es", c.Classify("hace tres días que no tengo internet en casa", "").Lang)
	require.Equal(t, "en", c.Classify("my flight was delayed and nobody told us anything", "").Lang)
	require.Equal(t, "en", c.Classify("hola", "en").Lang, "a given language wins")
	// Short posts whose only stop words belong to both languages.
	for _, es := range []string{"@farmacia me atendieron fatal", "@clinica me hicieron esperar 3 horas",
		"@seguro no responden los correos", "@banco me cobraron dos veces", "@tienda no me llegó nada"} {
		require.Equal(t, "es", c.Classify(es, "").Lang, es)
	}
	for _, en := range []string{"@airline my flight got delayed again", "@bank charging me twice, really?",
		"@shop no refund yet", "give me a break @telco"} {
		require.Equal(t, "en", c.Classify(en, "").Lang, en)
	}
	// Code-switched: Spanish frame with an English complaint phrase.
	v := c.Classify("la app de pagos still not working desde ayer y nadie me contesta, this is a joke", "")
	require.Equal(t, "complaint", string(v.Label))
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "pésimooo #MalServicio @x https://a.b :) 👎🏽", "\xff\xfe", "ｈｏｌａ 𝐛𝐚𝐝", "a'b’c", "#", "@", "1.200,50€ 6:15", "\u0301\u0301", strings.Repeat("á", 100)} {
		f.Add(s)
	}
	c, err := New(Options{})
	require.NoError(f, err)
	rs := c.rs.Load()
	f.Fuzz(func(t *testing.T, s string) {
		d := new(doc)
		rs.normalize(d, s, "")
		if !utf8.Valid(d.buf) {
			t.Fatalf("folded text is not UTF-8: %q", d.buf)
		}
		for i := range d.toks {
			tk := d.toks[i]
			if tk.os < 0 || tk.oe > int32(len(s)) || tk.os > tk.oe {
				t.Fatalf("token %d span [%d,%d) outside %d bytes", i, tk.os, tk.oe, len(s))
			}
		}
		_ = FoldWord(s)
	})
}

// TestPlainWord checks the builder's shortcut for pattern words against
// the tokenizer on every word of the built-in rules and on words shaped
// to fall off it.
func TestPlainWord(t *testing.T) {
	b := newBuilder()
	words := []string{"a", "ab", "xd", "xa", "jaja", "jeje", "haha", "hola", "hah", "jajaj", "lol", "zzz", "aab", "abbb", "http", "www", "no", "ok"}
	for _, name := range []string{"rules/es.yaml", "rules/en.yaml"} {
		data, err := builtinFS.ReadFile(name)
		require.NoError(t, err)
		words = append(words, strings.FieldsFunc(string(data), func(r rune) bool { return r < 'a' || r > 'z' })...)
	}
	n := 0
	for _, w := range words {
		if plainWord(w) {
			n++
			require.Equal(t, []string{w}, b.foldTokensOnce(w), "%q", w)
		}
	}
	require.Greater(t, n, 1000)
}

// Every currency sign is a currency token, not only $, €, £ and ¥.
func TestCurrencySigns(t *testing.T) {
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sign := range []string{"$", "€", "£", "¥", "₹", "₱", "₦", "₩", "₽", "₺"} {
		d := c.pool.Get().(*doc)
		c.rs.Load().normalize(d, "paid "+sign+"2,800 for it", "en")
		found := false
		for _, tk := range d.toks {
			if tk.kind == kCur {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no currency token", sign)
		}
	}
}

// TestStretchedASCII checks wordASCII's eight-byte test for runs of three
// against collapse on every word of up to eight bytes over a few letters
// and a digit, at the end of a text, before other words and after one.
func TestStretchedASCII(t *testing.T) {
	const alpha = "aAb1"
	d := new(doc)
	var w []byte
	var walk func()
	walk = func() {
		if len(w) > 0 && w[0] != '1' { // a digit starts a number, not a word
			want := collapse(bytes.ToLower(slices.Clone(w)))
			for k, text := range []string{string(w), string(w) + " zz yy xx ww", "q " + string(w)} {
				d.reset(text)
				d.tokenize()
				at := k / 2 // the word is the second token of "q …"
				require.Equal(t, string(want), string(d.norm(at)), "%q", text)
				require.Equal(t, len(want) < len(w), d.toks[at].flags&fElong != 0, "%q", text)
			}
		}
		if len(w) == 8 {
			return
		}
		for _, c := range []byte(alpha) {
			w = append(w, c)
			walk()
			w = w[:len(w)-1]
		}
	}
	walk()
}
