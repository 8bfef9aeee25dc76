package classifier

import "testing"

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
		if got := labelLines(tc.text); got != tc.want {
			t.Errorf("labelLines(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}
