package classifier

import "testing"

func TestQuoted(t *testing.T) {
	cases := []struct {
		text, word string
		want       bool
	}{
		{"Zavvio has 'the most reliable network in the UK'. I'm stood on SOS only.", "reliable", true},
		{`the "fast" delivery took 9 days`, "fast", true},
		{"la entrega «rápida» tardó 9 días", "rápida", true},
		{"el envío “súper rápido” tardó 9 días", "rápido", true},
		{"I don't love it but it's great", "great", false},
		{"great service, 'as always'", "great", false},
		{"the customers' lounge was great", "great", false},
		{"'quiet' my foo", "foo", false},
	}
	for _, c := range cases {
		s := indexOf(c.text, c.word)
		if got := quoted(c.text, s, s+len(c.word)); got != c.want {
			t.Errorf("quoted(%q, %q) = %v, want %v", c.text, c.word, got, c.want)
		}
	}
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
