package classifier

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// refLine decodes a classify input line with encoding/json only: the
// behaviour the fast path must reproduce.
type refLine struct {
	id           any
	hasID, hasTx bool
	text, lang   string
	failed       bool
}

// decodeNumber decodes a JSON value keeping numbers' digits.
func decodeNumber(raw []byte) any {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return "undecodable"
	}
	return v
}

func parseRef(line []byte) refLine {
	var r refLine
	var m map[string]json.RawMessage
	if err := json.Unmarshal(line, &m); err != nil {
		r.failed = true
		return r
	}
	if raw, ok := m["id"]; ok {
		r.hasID = true
		r.id = decodeNumber(raw)
	}
	if raw, ok := m["text"]; ok && string(raw) != "null" {
		if json.Unmarshal(raw, &r.text) != nil {
			r.failed = true
		}
		r.hasTx = true
	}
	if raw, ok := m["lang"]; ok {
		_ = json.Unmarshal(raw, &r.lang)
	}
	return r
}

var jsonSeeds = []string{
	`{"id":"c1","text":"Llevo 3 días sin internet","lang":"es","extra":{"ignored":[1,2]}}`,
	`not json at all`,
	`{"id":7,"text":"Please add dark mode"}`,
	`{"id":"c5","text":123}`,
	`{"id":"c7","text":"esc\u00e1pes \"quoted\" \ud83d\ude21 p\u00e9simo\nline\\ \/ \t\b\f\r"}`,
	`{"id":1.50,"text":"x","lang":null}`,
	`{"id":-0,"text":null}`,
	`{"text":"lone \ud83d surrogate \ude21 and \ud83d\u0041"}`,
	`{"text":"bad \x escape"}`,
	`{"text":"ctl ` + "\x01" + `"}`,
	`{"text":"invalid ` + "\xff\xfe" + ` utf8"}`,
	`{"id":"a","id":"b","text":"dup","text":"last"}`,
	` { "id" : "sp" , "text" : "spaces" } `,
	`{"id":true,"text":"t","lang":"en"}`,
	`{"id":{"a":1},"text":"nested id"}`,
	`{"id":"x","text":"y"} trailing`,
	`{"id":01,"text":"leading zero"}`,
	`{"id":1e999,"text":"big"}`, `{"id":1E+2,"text":"exp","x":[1]}`, `{"id":-,"text":"x"}`,
	`{"Text":"case","id":"k"}`,
	`{"te\u0078t":"escaped key"}`,
	`{}`, `null`, `[]`, `{"text":"` + "\u2028" + `"}`,
}

// FuzzJSONLine checks the allocation-free input parser against
// encoding/json: same text and lang, an equivalent id echoed as valid
// JSON, and an error exactly when encoding/json rejects the line.
func FuzzJSONLine(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var in input
		err := in.parse(line)
		ref := parseRef(line)
		if ref.failed {
			require.Error(t, err, "%q", line)
			return
		}
		require.NoError(t, err, "%q", line)
		require.Equal(t, ref.hasTx, in.hasTx, "%q", line)
		require.Equal(t, ref.text, string(in.text), "%q", line)
		require.Equal(t, ref.lang, string(in.lang), "%q", line)
		if !ref.hasID {
			require.Nil(t, in.id, "%q", line)
			return
		}
		require.True(t, json.Valid(in.id), "id %q of %q", in.id, line)
		require.Equal(t, ref.id, decodeNumber(in.id), "%q", line)
	})
}

// FuzzJSONString checks the output string writer: valid JSON that
// decodes to the input (invalid UTF-8 as U+FFFD, as encoding/json does).
func FuzzJSONString(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendJSONString(nil, s)
		require.True(t, json.Valid(out), "%q", out)
		var got string
		require.NoError(t, json.Unmarshal(out, &got))
		want := s
		if !utf8.ValidString(s) {
			want = string([]rune(s)) // invalid bytes become U+FFFD
		}
		require.Equal(t, want, got)
	})
}

// TestParseBatch checks that a batch's decoded values stay those of its
// own line when later lines of the batch unescape into the same buffer.
func TestParseBatch(t *testing.T) {
	var lines [][]byte
	for i := range 300 { // more than fit in the buffer's first array
		lines = append(lines, fmt.Appendf(nil, `{"id":%d,"text":"l\u00ednea %d \"%s\"","lang":"e\u0073"}`, i, i, strings.Repeat("x", i%17)))
	}
	for _, s := range jsonSeeds {
		lines = append(lines, []byte(s))
	}
	lines = append(lines, []byte("\x00too long"))
	var in input
	got := in.parseBatch(nil, lines)
	require.Len(t, got, len(lines))
	for k, line := range lines {
		p := &got[k]
		if line[0] == 0 {
			require.False(t, p.ok)
			require.Equal(t, "line longer than 1 MiB", p.err)
			continue
		}
		var one input
		err := one.parse(line)
		require.Equal(t, string(one.id), string(p.id), "%q", line)
		switch {
		case err != nil:
			require.False(t, p.ok, "%q", line)
			require.Equal(t, err.Error(), p.err, "%q", line)
		case !one.hasTx:
			require.False(t, p.ok, "%q", line)
			require.Equal(t, "missing text", p.err, "%q", line)
		default:
			require.True(t, p.ok, "%q", line)
			require.Equal(t, string(one.text), string(p.text), "%q", line)
			require.Equal(t, string(one.lang), string(p.lang), "%q", line)
		}
	}
}
