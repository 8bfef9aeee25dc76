package listener

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
)

//go:embed demo/mentions.jsonl
var demoMentions []byte

// DemoLine is one line of a demo file: a mention, or a reply by a brand
// account when ReplyTo is set.
//
//	{"at": 2.5, "id": "0003", "lang": "es", "handle": "ana_gz", "name": "Ana", "followers": 812, "text": "..."}
//	{"at": 95, "id": "r001", "reply_to": "0003", "handle": "volta_ayuda", "text": "..."}
type DemoLine struct {
	// At is the offset in seconds from the start of the replay.
	At float64 `json:"at"`
	// ID is unique within the file; each replay cycle after the first
	// suffixes it with "-c<cycle>".
	ID        string `json:"id"`
	Lang      string `json:"lang,omitempty"`
	Handle    string `json:"handle"`
	Name      string `json:"name,omitempty"`
	Followers int64  `json:"followers,omitempty"`
	Text      string `json:"text"`
	// InReplyTo is the id of an earlier line this mention answers.
	InReplyTo string `json:"in_reply_to,omitempty"`
	// ReplyTo makes the line a brand reply to the mention with that id.
	ReplyTo string `json:"reply_to,omitempty"`
}

// demoBatch caps the mentions of one demo page.
const demoBatch = 50

// DemoSource replays sample mentions with their timing, looping forever
// with fresh ids and timestamps. Its cursor is "<cycle>:<next line>".
type DemoSource struct {
	name     string
	lines    []DemoLine
	speed    float64
	interval time.Duration
	now      func() time.Time

	mu     sync.Mutex
	start  time.Time // when the current cycle's offset 0 is
	cycle  int       // cycle that start belongs to
	primed bool
}

// NewDemoSource returns a demo source replaying lines (the bundled sample
// when lines is nil). Speed multiplies the replay speed (default 1).
func NewDemoSource(name string, lines []DemoLine, speed float64, interval time.Duration, now func() time.Time) (*DemoSource, error) {
	if lines == nil {
		var err error
		if lines, err = ParseDemo(demoMentions); err != nil {
			return nil, fmt.Errorf("bundled demo mentions: %w", err)
		}
	}
	if len(lines) == 0 {
		return nil, errors.New("demo: no lines")
	}
	if speed <= 0 {
		speed = 1
	}
	if interval <= 0 {
		interval = time.Second
	}
	if now == nil {
		now = time.Now
	}
	return &DemoSource{name: name, lines: lines, speed: speed, interval: interval, now: now}, nil
}

// ParseDemo reads a JSON Lines demo file; lines must be in time order.
func ParseDemo(b []byte) ([]DemoLine, error) {
	var out []DemoLine
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	seen := map[string]bool{}
	for n := 1; sc.Scan(); n++ {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 || raw[0] == '#' {
			continue
		}
		var l DemoLine
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		switch {
		case l.ID == "" || l.Handle == "" || l.Text == "":
			return nil, fmt.Errorf("line %d: id, handle and text are required", n)
		case seen[l.ID]:
			return nil, fmt.Errorf("line %d: duplicate id %q", n, l.ID)
		case len(out) > 0 && l.At < out[len(out)-1].At:
			return nil, fmt.Errorf("line %d: at %.1f is before the previous line", n, l.At)
		case l.ReplyTo != "" && !seen[l.ReplyTo]:
			return nil, fmt.Errorf("line %d: reply_to %q is not an earlier line", n, l.ReplyTo)
		}
		seen[l.ID] = true
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Name implements Source.
func (d *DemoSource) Name() string { return d.name }

// Interval implements Intervaler.
func (d *DemoSource) Interval() time.Duration { return d.interval }

// Lines returns the lines replayed.
func (d *DemoSource) Lines() []DemoLine { return d.lines }

func (d *DemoSource) offset(i int) time.Duration {
	return time.Duration(d.lines[i].At / d.speed * float64(time.Second))
}

// Poll returns the lines that are due.
func (d *DemoSource) Poll(ctx context.Context, cursor string) (Page, error) {
	if err := ctx.Err(); err != nil {
		return Page{}, err
	}
	cycle, idx, err := parseDemoCursor(cursor)
	if err != nil {
		return Page{}, err
	}
	if idx >= len(d.lines) { // a shorter file than the one the cursor came from
		cycle, idx = cycle+1, 0
	}
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.primed || d.cycle != cycle {
		// A fresh start begins the replay now; a resumed one makes the next
		// line due now and keeps the spacing of the later ones.
		d.start = now
		if cursor != "" {
			d.start = now.Add(-d.offset(idx))
		}
		d.cycle = cycle
		d.primed = true
	}
	var p Page
	start := idx
	for idx < len(d.lines) && idx-start < demoBatch {
		due := d.start.Add(d.offset(idx))
		if due.After(now) {
			break
		}
		l := d.lines[idx]
		id := demoID(l.ID, cycle)
		if l.ReplyTo != "" {
			p.Replies = append(p.Replies, escucha.Reply{
				Source: d.name, ID: id, InReplyTo: demoID(l.ReplyTo, cycle),
				Account: l.Handle, PostedAt: due,
			})
		} else {
			m := escucha.Mention{
				Source: d.name, ID: id, URL: "https://example.com/demo/" + l.Handle + "/" + id,
				Lang: l.Lang, Text: l.Text,
				Author:   escucha.Author{ID: "demo-" + l.Handle, Handle: l.Handle, Name: l.Name, Followers: l.Followers},
				PostedAt: due, FetchedAt: now,
			}
			m.ConversationID = id
			if l.InReplyTo != "" {
				m.InReplyTo = demoID(l.InReplyTo, cycle)
				m.ConversationID = m.InReplyTo
			}
			p.Mentions = append(p.Mentions, m)
		}
		idx++
	}
	if idx == start {
		return Page{}, nil // nothing due; cursor unchanged
	}
	if idx == len(d.lines) {
		// Next cycle starts one interval after the last line.
		cycle, idx = cycle+1, 0
		d.cycle = cycle
		d.start = now.Add(d.interval)
	} else {
		p.More = d.start.Add(d.offset(idx)).Compare(now) <= 0
	}
	p.Cursor = strconv.Itoa(cycle) + ":" + strconv.Itoa(idx)
	return p, nil
}

func demoID(id string, cycle int) string {
	if cycle == 0 {
		return id
	}
	return id + "-c" + strconv.Itoa(cycle)
}

func parseDemoCursor(c string) (cycle, idx int, err error) {
	if c == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(c, ":")
	if ok {
		cycle, err = strconv.Atoi(a)
		if err == nil {
			idx, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || cycle < 0 || idx < 0 {
		return 0, 0, fmt.Errorf("demo: bad cursor %q", c)
	}
	return cycle, idx, nil
}

func newDemo(s config.Source, o BuildOptions) (Source, error) {
	var lines []DemoLine
	if s.Demo.File != "" {
		b, err := os.ReadFile(s.Demo.File)
		if err != nil {
			return nil, fmt.Errorf("demo file: %w", err)
		}
		if lines, err = ParseDemo(b); err != nil {
			return nil, fmt.Errorf("demo file %s: %w", s.Demo.File, err)
		}
		if len(lines) == 0 {
			return nil, fmt.Errorf("demo file %s: no lines", s.Demo.File)
		}
	}
	return NewDemoSource(s.Name, lines, s.Demo.Speed, s.Interval, o.Now)
}
