package classifier

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"runtime"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	escucha "github.com/escucha/escucha"
)

// batchSize is how many lines a worker takes at a time.
const batchSize = 256

// maxLine is the longest input line accepted (longer lines are an error
// line, not a failure of the stream).
const maxLine = 1 << 20

// job is one batch of input lines and its encoded output.
type job struct {
	lines [][]byte
	buf   []byte // the lines' bytes
	out   []byte
	done  chan struct{}
}

// ClassifyJSONL implements the `escucha classify` contract of DESIGN.md:
// one JSON object per input line ({"id", "text", "lang"}; other fields are
// ignored) and one output line per input line, in the same order:
// {"id","label","severity","lang","ceo","score","rules"}, with severity
// null for non-complaints and rules the ids of the rules that fired. A bad
// line gets {"id":...,"error":"..."} and processing continues. Blank lines
// are skipped. workers <= 0 uses GOMAXPROCS. It returns when r is drained,
// on a write error or when ctx is done.
func ClassifyJSONL(ctx context.Context, c *Classifier, r io.Reader, w io.Writer, workers int) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan *job, workers*2)
	ordered := make(chan *job, workers*4)
	pool := sync.Pool{New: func() any { return &job{done: make(chan struct{}, 1)} }}

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := new(doc)
			var in input
			var parsed []parsedLine
			var rules []string
			for j := range jobs {
				// The batch's lines are decoded first, then classified:
				// the two loops measured faster than one that alternates
				// between the decoder and the classifier.
				parsed = in.parseBatch(parsed[:0], j.lines)
				rules = c.classifyBatch(d, parsed, rules[:0])
				j.out = j.out[:0]
				for k := range parsed {
					j.out = appendVerdict(j.out, &parsed[k], rules)
				}
				j.done <- struct{}{}
			}
		}()
	}

	// Writer: outputs batches in input order.
	werr := make(chan error, 1)
	go func() {
		// A batch's output (tens of kB) is written as it is, without
		// copying it through a buffer.
		var err error
		for j := range ordered {
			<-j.done
			if err == nil {
				_, err = w.Write(j.out)
			}
			pool.Put(j)
		}
		werr <- err
	}()

	rerr := func() error {
		defer close(ordered)
		defer close(jobs)
		br := bufio.NewReaderSize(r, 256<<10)
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			j := pool.Get().(*job)
			j.lines = j.lines[:0]
			j.buf = j.buf[:0]
			var offs [batchSize + 1]int
			n := 0
			var eof error
			for n < batchSize {
				line, err := readLine(br, &j.buf)
				if err != nil {
					eof = err
					break
				}
				if line {
					n++
					offs[n] = len(j.buf)
				}
			}
			for k := range n {
				j.lines = append(j.lines, j.buf[offs[k]:offs[k+1]])
			}
			if n > 0 {
				select {
				case jobs <- j:
				case <-ctx.Done():
					return ctx.Err()
				}
				ordered <- j
			} else {
				pool.Put(j)
			}
			if eof != nil {
				if errors.Is(eof, io.EOF) {
					return nil
				}
				return fmt.Errorf("read input: %w", eof)
			}
		}
	}()
	wg.Wait()
	err := <-werr
	if rerr != nil {
		return rerr
	}
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// readLine appends the next non-blank line (without its newline) to buf;
// it reports false for a blank line. Lines over maxLine are cut to an
// invalid marker so the worker answers with an error line.
func readLine(br *bufio.Reader, buf *[]byte) (bool, error) {
	start := len(*buf)
	for {
		frag, err := br.ReadSlice('\n')
		if len(*buf)-start+len(frag) <= maxLine {
			*buf = append(*buf, frag...)
		} else if len(*buf)-start < maxLine+1 {
			*buf = append((*buf)[:start], "\x00too long"...)
			for len(*buf)-start <= maxLine {
				*buf = append(*buf, ' ')
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		b := (*buf)[start:]
		for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
			b = b[:len(b)-1]
		}
		*buf = (*buf)[:start+len(b)]
		if err != nil {
			if len(b) > 0 && errors.Is(err, io.EOF) {
				return true, nil
			}
			return false, err
		}
		return len(b) > 0, nil
	}
}

// input is one decoded input line.
type input struct {
	id    []byte // raw JSON of the id (nil if absent)
	text  []byte
	lang  []byte
	hasTx bool
	sbuf  []byte
}

// parsedLine is one decoded input line of a batch: its id (raw JSON),
// text and language, or the error its output line reports.
type parsedLine struct {
	id, text, lang []byte
	err            string
	ok             bool
	// The verdict, set by classifyBatch; the rules that fired are
	// rules[rules0:rules1] of its slice.
	label          escucha.Label
	severity       escucha.Severity
	lng            uint8
	ceo            bool
	score          float64
	rules0, rules1 int32
}

// parseBatch decodes lines into dst. The values of all the lines stay
// valid until the next call: in.sbuf is reused per batch, not per line.
func (in *input) parseBatch(dst []parsedLine, lines [][]byte) []parsedLine {
	in.sbuf = in.sbuf[:0]
	for _, line := range lines {
		var p parsedLine
		switch {
		case len(line) > 0 && line[0] == 0:
			p.err = "line longer than 1 MiB"
		default:
			if err := in.parseKeep(line); err != nil {
				p.id, p.err = in.id, err.Error()
			} else if !in.hasTx {
				p.id, p.err = in.id, "missing text"
			} else {
				p.id, p.text, p.lang, p.ok = in.id, in.text, in.lang, true
			}
		}
		dst = append(dst, p)
	}
	return dst
}

// classifyBatch classifies the decoded lines of a batch, keeping each
// verdict in its line and the ids of the rules that fired in rules.
func (c *Classifier) classifyBatch(d *doc, lines []parsedLine, rules []string) []string {
	for k := range lines {
		p := &lines[k]
		if !p.ok {
			continue
		}
		res, ids, err := c.classifyDoc(d, p.text, p.lang)
		if err != nil {
			p.ok, p.err = false, err.Error()
			continue
		}
		p.label, p.severity, p.lng, p.ceo, p.score = res.label, res.severity, uint8(res.lang), res.ceo, res.score
		p.rules0 = int32(len(rules))
		rules = append(rules, ids...)
		p.rules1 = int32(len(rules))
	}
	return rules
}

// appendVerdict appends the output line of a classified line.
func appendVerdict(out []byte, p *parsedLine, rules []string) []byte {
	if !p.ok {
		return appendError(out, p.id, p.err)
	}
	out = append(out, `{"id":`...)
	out = appendID(out, p.id)
	out = append(out, `,"label":"`...)
	out = append(out, p.label...)
	out = append(out, `","severity":`...)
	if p.severity == escucha.SeverityNone {
		out = append(out, "null"...)
	} else {
		out = append(out, '"')
		out = append(out, p.severity...)
		out = append(out, '"')
	}
	out = append(out, `,"lang":"`...)
	out = append(out, langNames[p.lng]...)
	out = append(out, `","ceo":`...)
	out = strconv.AppendBool(out, p.ceo)
	out = append(out, `,"score":`...)
	out = appendScore(out, p.score)
	out = append(out, `,"rules":[`...)
	for i, id := range rules[p.rules0:p.rules1] {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, id...) // quoted once when the rules were compiled
	}
	out = append(out, "]}\n"...)
	return out
}

// classifyDoc runs the rules on one text without building a Verdict. The
// result and the rule ids (as JSON strings) live in d until its next use.
func (c *Classifier) classifyDoc(d *doc, text, lang []byte) (res *result, ids []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	rs := c.rs.Load()
	l := ""
	switch string(lang) {
	case "es":
		l = "es"
	case "en":
		l = "en"
	}
	res = rs.run(d, unsafe.String(unsafe.SliceData(text), len(text)), l)
	d.text = "" // the bytes belong to the caller's buffer
	ids = d.ruleIDs[:0]
	for _, f := range res.fired {
		ids = append(ids, rs.rules[f.rule].quoted)
	}
	d.ruleIDs = ids
	return res, ids, nil
}

func appendID(out, id []byte) []byte {
	if len(id) == 0 {
		return append(out, "null"...)
	}
	return append(out, id...)
}

func appendError(out, id []byte, msg string) []byte {
	out = append(out, `{"id":`...)
	out = appendID(out, id)
	out = append(out, `,"error":`...)
	out = appendJSONString(out, msg)
	return append(out, "}\n"...)
}

// appendScore appends x as strconv.AppendFloat(x, 'f', -1) does. Scores
// are rounded to thousandths in [0, 1], and for those the shortest form is
// the digits of the thousandths without trailing zeros, written here
// without the float formatter; anything else takes strconv.
func appendScore(out []byte, x float64) []byte {
	n := int(math.Round(x * 1000))
	if n < 0 || n > 1000 || float64(n)/1000 != x {
		return strconv.AppendFloat(out, x, 'f', -1, 64)
	}
	if n == 1000 {
		return append(out, '1')
	}
	out = append(out, '0')
	if n == 0 {
		return out
	}
	d := [3]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)}
	k := 3
	for d[k-1] == '0' {
		k--
	}
	out = append(out, '.')
	return append(out, d[:k]...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(out []byte, s string) []byte {
	out = append(out, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			out = append(out, s[start:i]...)
			switch b {
			case '"', '\\':
				out = append(out, '\\', b)
			case '\n':
				out = append(out, '\\', 'n')
			case '\r':
				out = append(out, '\\', 'r')
			case '\t':
				out = append(out, '\\', 't')
			default:
				out = append(out, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			out = append(out, s[start:i]...)
			out = append(out, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			out = append(out, s[start:i]...)
			out = append(out, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	out = append(out, s[start:]...)
	return append(out, '"')
}

var errSyntax = errors.New("invalid JSON")

// parse decodes a flat JSON object, keeping id (raw), text and lang. It
// falls back to encoding/json for anything it does not handle, so the
// error messages are the standard ones.
func (in *input) parse(line []byte) error {
	in.sbuf = in.sbuf[:0]
	return in.parseKeep(line)
}

// parseKeep is parse appending unescaped values to in.sbuf without
// reusing it, so the values of earlier lines stay valid (an append that
// moves the buffer leaves the old bytes in place).
func (in *input) parseKeep(line []byte) error {
	in.id, in.text, in.lang, in.hasTx = nil, nil, nil, false
	if err := in.fast(line); err == nil {
		return nil
	}
	in.id, in.text, in.lang, in.hasTx = nil, nil, nil, false
	var m map[string]json.RawMessage
	if err := json.Unmarshal(line, &m); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("invalid JSON at byte %d: %s", se.Offset, se.Error())
		}
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if raw, ok := m["id"]; ok {
		in.id = compactID(raw)
	}
	if raw, ok := m["text"]; ok && string(raw) != "null" { // null is missing, as on the fast path
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return errors.New(`"text" is not a string`)
		}
		in.text = []byte(s)
		in.hasTx = true
	}
	if raw, ok := m["lang"]; ok {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			in.lang = []byte(s)
		}
	}
	return nil
}

// compactID keeps a scalar id as is and re-encodes others compactly.
func compactID(raw json.RawMessage) []byte {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers keep their digits (1.50, 1e999)
	if err := dec.Decode(&v); err != nil {
		return []byte("null")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return []byte("null")
	}
	return b
}

// fast is the allocation-free path for the common line shape: an object
// of string, number, bool and null values.
func (in *input) fast(b []byte) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errSyntax
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		if skipWS(b, i+1) != len(b) {
			return errSyntax
		}
		return nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return errSyntax
		}
		ks, ke, next, esc := scanString(b, i)
		if next < 0 || esc {
			return errSyntax
		}
		key := b[ks:ke]
		i = skipWS(b, next)
		if i >= len(b) || b[i] != ':' {
			return errSyntax
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			return errSyntax
		}
		vs := i
		switch c := b[i]; {
		case c == '"':
			s, e, n, esc := scanString(b, i)
			if n < 0 {
				return errSyntax
			}
			var val []byte
			if esc {
				var err error
				st := len(in.sbuf)
				in.sbuf, err = unescape(in.sbuf, b[s:e])
				if err != nil {
					return err
				}
				val = in.sbuf[st:]
			} else {
				val = b[s:e]
			}
			switch string(key) {
			case "id":
				in.id = b[vs:n]
			case "text":
				in.text, in.hasTx = val, true
			case "lang":
				in.lang = val
			}
			i = n
		case c == '{' || c == '[':
			return errSyntax // nested values: leave them to encoding/json
		default:
			j := i
			for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ' ' && b[j] != '\t' {
				j++
			}
			lit := b[i:j]
			if !validLiteral(lit) {
				return errSyntax
			}
			switch string(key) {
			case "id":
				in.id = lit
			case "text":
				if string(lit) != "null" {
					return errSyntax // let encoding/json say it is not a string
				}
			}
			i = j
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return errSyntax
		}
		if b[i] == '}' {
			if skipWS(b, i+1) != len(b) {
				return errSyntax
			}
			return nil
		}
		if b[i] != ',' {
			return errSyntax
		}
		i = skipWS(b, i+1)
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// scanString finds the string starting at the quote b[i]: content [s, e),
// the index after the closing quote, and whether it has escapes. Control
// characters and invalid UTF-8 are rejected (next = -1) so encoding/json
// decides. Plain bytes are skipped by table; UTF-8 is validated once.
func scanString(b []byte, i int) (s, e, next int, esc bool) {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	// special has the high bit of each quote, backslash and control byte
	// of x; the lowest is exact (no borrow reaches it), the others may
	// not be.
	special := func(x uint64) uint64 {
		q, bs := x^(lo*'"'), x^(lo*'\\')
		return ((x-lo*0x20)&^x | (q-lo)&^q | (bs-lo)&^bs) & hi
	}
	s = i + 1
	j := s
	wide := -1 // where the first byte >= 0x80 may be: the bytes before it are ASCII
	for j < len(b) {
		// Eight bytes at a time while none is a quote, a backslash or a
		// control byte (bytes >= 0x80 only mark the string for the UTF-8
		// check).
		for j+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[j:])
			if x&hi != 0 && wide < 0 {
				wide = j // maybe a byte after the end: it only costs a check
			}
			if t := special(x); t != 0 {
				j += bits.TrailingZeros64(t) >> 3 // to the first special byte
				break
			}
			j += 8
		}
		if rem := len(b) - j; rem > 0 && rem < 8 && len(b) >= 8 {
			// The last bytes, as the top of the line's last eight: the
			// zeros shifted in above them are flagged as control bytes,
			// so a flag past them means none of them is special.
			x := binary.LittleEndian.Uint64(b[len(b)-8:]) >> (8 * (8 - rem))
			if x&hi != 0 && wide < 0 {
				wide = j
			}
			j += min(bits.TrailingZeros64(special(x))>>3, rem)
		} else {
			for j < len(b) && strPlain[b[j]] {
				j++
			}
		}
		if j >= len(b) {
			break
		}
		c := b[j]
		switch {
		case c == '"':
			if wide >= 0 && !utf8.Valid(b[wide:j]) {
				return 0, 0, -1, false
			}
			return s, j, j + 1, esc
		case c == '\\':
			esc = true
			j += 2
		case c < 0x20:
			return 0, 0, -1, false
		default: // c >= 0x80
			if wide < 0 {
				wide = j
			}
			j++
		}
	}
	return 0, 0, -1, false
}

// strPlain marks the bytes a JSON string holds as they are: printable
// ASCII other than '"' and '\\'.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// validLiteral reports whether l is true, false, null or a number in
// JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func validLiteral(l []byte) bool {
	switch string(l) {
	case "true", "false", "null":
		return true
	}
	i := 0
	if i < len(l) && l[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(l) && isDigit(l[i]) {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(l) && l[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(l) && l[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(l) && (l[i] == 'e' || l[i] == 'E') {
		i++
		if i < len(l) && (l[i] == '+' || l[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(l)
}

// unescape appends the decoded JSON string content s to dst.
func unescape(dst, s []byte) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		if i >= len(s) {
			return dst, errSyntax
		}
		switch s[i] {
		case '"', '\\', '/':
			dst = append(dst, s[i])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := hex4(s, i+1)
			if !ok {
				return dst, errSyntax
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok2 := rune(0), false
				if i+6 < len(s)+0 && s[i+1] == '\\' && s[i+2] == 'u' {
					r2, ok2 = hex4(s, i+3)
				}
				if ok2 {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						i += 6
						dst = utf8.AppendRune(dst, dec)
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
		default:
			return dst, errSyntax
		}
	}
	return dst, nil
}

func hex4(s []byte, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}
