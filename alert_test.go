package escucha

import "testing"

func TestAlertIDRoundTrip(t *testing.T) {
	cases := []struct {
		key, rcpt string
		step      int
	}{
		{"x/1859000000000000123", "elena", 0},
		{"demo/a/b", "comms", 12},
	}
	for _, c := range cases {
		id := AlertID(c.key, c.rcpt, c.step)
		k, r, s, ok := SplitAlertID(id)
		if !ok || k != c.key || r != c.rcpt || s != c.step {
			t.Fatalf("SplitAlertID(%q) = %q %q %d %v", id, k, r, s, ok)
		}
	}
	for _, bad := range []string{"", "x", "x/1", "/elena/0", "x/1/elena/", "x/1/elena/a", "x//0"} {
		if _, _, _, ok := SplitAlertID(bad); ok {
			t.Fatalf("SplitAlertID(%q) accepted", bad)
		}
	}
}
