// Command govader-bench compares the throughput of `escucha classify`
// (classifier.ClassifyJSONL) with github.com/jonreiter/govader on the same
// JSON Lines file, and scores govader's complaint detection on a labelled
// file. It is its own module so govader never enters escucha's go.mod.
//
//	go run . gen -n 200000 -o /tmp/posts.jsonl
//	go run . gen -n 200000 -from '../../classifier/testdata/blind2[23]/*/*.jsonl' -o /tmp/real.jsonl
//	GOMAXPROCS=1 go run . govader -in /tmp/posts.jsonl
//	GOMAXPROCS=1 go run . escucha -in /tmp/posts.jsonl -workers 1
//	go run . escucha -in /tmp/posts.jsonl -workers 2
//	go run . eval -data ../../../shared/data/dev/mentions-dev.jsonl
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/jonreiter/govader"

	"github.com/escucha/escucha/classifier"
)

func main() { os.Exit(run()) }

func run() int {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: govader-bench gen|govader|escucha|eval [flags]")
		return 2
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	n := fs.Int("n", 200000, "posts to generate")
	in := fs.String("in", "", "JSON Lines input")
	out := fs.String("o", "", "output file (default: discard)")
	workers := fs.Int("workers", 1, "escucha workers")
	prof := fs.String("cpuprofile", "", "write a CPU profile")
	data := fs.String("data", "", "labelled JSON Lines (id, text, label) for eval")
	from := fs.String("from", "", "gen: take the texts of these JSON Lines files (a glob) instead of the built-in templates")
	_ = fs.Parse(os.Args[2:])
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	var err error
	switch os.Args[1] {
	case "gen":
		if *from != "" {
			err = genFrom(*n, *from, *out)
		} else {
			err = gen(*n, *out)
		}
	case "govader":
		err = timed("govader", *in, *out, func(r io.Reader, w io.Writer) error { return vader(r, w) })
	case "escucha":
		c, cerr := classifier.New(classifier.Options{})
		if cerr != nil {
			err = cerr
			break
		}
		err = timed(fmt.Sprintf("escucha (workers=%d)", *workers), *in, *out, func(r io.Reader, w io.Writer) error {
			return classifier.ClassifyJSONL(context.Background(), c, r, w, *workers)
		})
	case "eval":
		err = evalVader(*data)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// timed runs f over the input file (read fully first, so disk is not
// measured) and prints posts per second.
func timed(name, in, out string, f func(io.Reader, io.Writer) error) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	lines := strings.Count(string(b), "\n")
	var w io.Writer = io.Discard
	if out != "" {
		fo, err := os.Create(out)
		if err != nil {
			return err
		}
		defer fo.Close()
		bw := bufio.NewWriterSize(fo, 1<<20)
		defer bw.Flush()
		w = bw
	}
	r := bytes.NewReader(b) // in memory and not copied: only the classifiers are timed
	start := time.Now()
	if err := f(r, w); err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Printf("%-22s GOMAXPROCS=%d posts=%d time=%.3fs posts/s=%.0f\n", name, runtime.GOMAXPROCS(0), lines, d.Seconds(), float64(lines)/d.Seconds())
	return nil
}

type post struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Lang string `json:"lang,omitempty"`
}

type vaderOut struct {
	ID       string  `json:"id"`
	Label    string  `json:"label"`
	Compound float64 `json:"compound"`
}

// vader is the peer baseline: encoding/json in, govader, encoding/json out.
func vader(r io.Reader, w io.Writer) error {
	an := govader.NewSentimentIntensityAnalyzer()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	enc := json.NewEncoder(w)
	for sc.Scan() {
		var p post
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return err
		}
		s := an.PolarityScores(p.Text)
		label := "other"
		if s.Compound <= -0.05 {
			label = "complaint"
		}
		if err := enc.Encode(vaderOut{ID: p.ID, Label: label, Compound: s.Compound}); err != nil {
			return err
		}
	}
	return sc.Err()
}

// evalVader scores govader's "compound <= -0.05 means complaint" on a
// labelled file, the way sentiment peers are used for complaint detection.
func evalVader(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	an := govader.NewSentimentIntensityAnalyzer()
	type cnt struct{ tp, fp, fn int }
	by := map[string]*cnt{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r struct{ Text, Label, Lang string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return err
		}
		got := an.PolarityScores(r.Text).Compound <= -0.05
		want := r.Label == "complaint"
		for _, k := range []string{r.Lang, "all"} {
			c := by[k]
			if c == nil {
				c = &cnt{}
				by[k] = c
			}
			switch {
			case got && want:
				c.tp++
			case got:
				c.fp++
			case want:
				c.fn++
			}
		}
	}
	for k, c := range by {
		p := float64(c.tp) / float64(max(c.tp+c.fp, 1))
		r := float64(c.tp) / float64(max(c.tp+c.fn, 1))
		fmt.Printf("govader complaint %s: P %.3f R %.3f F1 %.3f\n", k, p, r, 2*p*r/max(p+r, 1e-9))
	}
	return nil
}

// Parts of generated posts, written for this benchmark.
var (
	openers = []string{"@acme", "@acme_help", "Hola @acme,", "Hey @acme", "RT @maria:", "", "Ojo @acme:", "Update:"}
	bodies  = []string{
		"llevo %d días sin internet y nadie me contesta",
		"me cobraron %d€ dos veces este mes, quiero mi dinero",
		"sería genial que la app tuviera modo oscuro",
		"¿cuánto tarda en llegar la tarjeta? es por si acaso",
		"gracias por resolverlo en %d minutos, un lujo",
		"still waiting for my refund after %d weeks",
		"please add Apple Pay, it's the only thing missing",
		"love paying $%d for wifi that drops every evening 🙃",
		"should I get the yearly plan or the monthly one?",
		"shares rise %d%% after a record quarter, the company said",
		"deberían abrir una tienda en el centro, hay mucha demanda",
		"the app crashed again during checkout. Third time this week!!!",
		"no tengo ninguna queja, todo perfecto desde hace %d años 👏",
		"vuelo retrasado %d horas y sin información en la puerta 😡",
	}
	tails = []string{"", " #MalServicio", " https://t.co/x1y2z3", " 🙏", " xq??", " pls", " jajaja", " smh"}
)

// gen writes n synthetic posts. They are short (67 bytes on average)
// and made of few distinct words (about 20,000 distinct texts), so every
// cache stays warm: genFrom gives posts closer to real ones.
func gen(n int, out string) error {
	rng := rand.New(rand.NewPCG(1, 2))
	return writePosts(out, n, func(int) string {
		body := bodies[rng.IntN(len(bodies))]
		if strings.Contains(body, "%d") {
			body = fmt.Sprintf(body, 2+rng.IntN(40))
		}
		return strings.TrimSpace(openers[rng.IntN(len(openers))] + " " + body + tails[rng.IntN(len(tails))])
	})
}

// genFrom writes n posts taken, in a fixed shuffled order and again from
// the start when they run out, from the "text" fields of the JSON Lines
// files matching pattern: for example the written brand mentions of the
// classifier's blind sets (about 23,000 texts of 121 bytes on average).
func genFrom(n int, pattern, out string) error {
	files, err := filepath.Glob(pattern)
	if err != nil {
		return fmt.Errorf("gen -from %q: %w", pattern, err)
	}
	var texts []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("gen -from: %w", err)
		}
		for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var p post
			if err := json.Unmarshal([]byte(line), &p); err != nil {
				return fmt.Errorf("gen -from: %s line %d: %w", f, i+1, err)
			}
			if p.Text != "" {
				texts = append(texts, p.Text)
			}
		}
	}
	if len(texts) == 0 {
		return fmt.Errorf("gen -from %q: no texts", pattern)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(texts), func(i, j int) { texts[i], texts[j] = texts[j], texts[i] })
	return writePosts(out, n, func(i int) string { return texts[i%len(texts)] })
}

// writePosts writes n posts with ids p000000… and the texts text(i) to
// out (standard output when empty).
func writePosts(out string, n int, text func(int) string) error {
	var w io.Writer = os.Stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	for i := range n {
		if err := enc.Encode(post{ID: fmt.Sprintf("p%06d", i), Text: text(i)}); err != nil {
			return err
		}
	}
	return bw.Flush()
}
