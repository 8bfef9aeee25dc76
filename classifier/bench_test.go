package classifier

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// benchTexts are typical posts, hand-written for the benchmark.
var benchTexts = []string{
	"@acme llevo 3 días sin internet en casa y nadie de atención al cliente me contesta. Pésimo servicio 😡",
	"Sería genial que la app tuviera modo oscuro y que se pudiera pagar con Bizum",
	"Still waiting for my refund after 3 weeks. Third time I've called, nobody can explain anything @acme_help",
	"Love paying $95 for priority boarding and boarding after group 4 🙃 #NeverAgain",
	"Gran charla de la CEO de Acme en el congreso de Madrid sobre inclusión financiera",
	"Please add Apple Pay for Argentine accounts, it's the only thing missing!",
	"¿Cuánto tarda en llegar la tarjeta física a Mendoza? Es por si acaso, me voy en junio",
	"Acme shares jump 8% after record Q2 load factor. #aviation https://t.co/abc",
}

func BenchmarkClassify(b *testing.B) {
	c := newC(b, Options{})
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		c.Classify(benchTexts[n%len(benchTexts)], "")
		n++
	}
}

// BenchmarkCore is the classifier core without building a Verdict (the
// path `escucha classify` takes): no allocation per post.
func BenchmarkCore(b *testing.B) {
	c := newC(b, Options{})
	d := new(doc)
	b.ReportAllocs()
	n := 0
	var bytesIn int64
	for b.Loop() {
		t := benchTexts[n%len(benchTexts)]
		_, _, _ = c.classifyDoc(d, []byte(t), nil)
		bytesIn += int64(len(t))
		n++
	}
	b.SetBytes(bytesIn / int64(max(n, 1)))
}

// benchJSONL is the file named by ESCUCHA_BENCH_JSONL when set, else
// 10,000 lines of benchTexts.
func benchJSONL(b *testing.B) []byte {
	path := os.Getenv("ESCUCHA_BENCH_JSONL")
	if path == "" {
		return benchInput(10000)
	}
	in, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return in
}

func benchInput(n int) []byte {
	var buf bytes.Buffer
	for i := range n {
		fmt.Fprintf(&buf, "{\"id\":\"p%d\",\"text\":%q}\n", i, benchTexts[i%len(benchTexts)])
	}
	return buf.Bytes()
}

// BenchmarkClassifyJSONL is the `escucha classify` path end to end. It
// reads the file named by ESCUCHA_BENCH_JSONL when set (e.g. the
// 200,000 posts of `tools/govader-bench gen`), else 10,000 lines of
// benchTexts.
func BenchmarkClassifyJSONL(b *testing.B) {
	c := newC(b, Options{})
	in := benchJSONL(b)
	lines := bytes.Count(in, []byte("\n"))
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			cpu0 := cpuTime()
			for b.Loop() {
				if err := ClassifyJSONL(context.Background(), c, bytes.NewReader(in), io.Discard, workers); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*lines)/b.Elapsed().Seconds(), "posts/s")
			if cpu := cpuTime() - cpu0; cpu > 0 {
				// Posts per CPU second: steadier than posts/s when other
				// processes share the machine (with workers > 1 it is the
				// throughput per core, not of the whole run).
				b.ReportMetric(float64(b.N*lines)/cpu.Seconds(), "posts/cpu-s")
			}
		})
	}
}

// scaledRules writes a company rules file with (factor-1) synthetic
// copies of every built-in pattern rule. Each copy keeps the original's
// first word (so it lands in the same candidate lists, the costly case)
// and ends in a made-up word, so it never fires and verdicts stay alike.
func scaledRules(b *testing.B, factor int) string {
	var out struct {
		Rules []ruleSpec `yaml:"rules"`
	}
	for _, name := range []string{"rules/es.yaml", "rules/en.yaml"} {
		data, err := builtinFS.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		var f langFile
		if err := yaml.Unmarshal(data, &f); err != nil {
			b.Fatal(err)
		}
		for i := range f.Rules {
			s, _, err := decodeRule(&f.Rules[i])
			if err != nil || s.Class == "signal" {
				continue
			}
			if s.Lang == "" {
				s.Lang = f.Lang
			}
			for k := 1; k < factor; k++ {
				c := s
				c.ID = fmt.Sprintf("%s.x%d", s.ID, k)
				c.Patterns = nil
				for pi, p := range s.Patterns {
					if strings.HasPrefix(p, "re:") {
						continue
					}
					words := strings.Fields(p)
					c.Patterns = append(c.Patterns, words[0]+fmt.Sprintf(" zqx%dv%d", k, pi))
				}
				if len(c.Patterns) > 0 {
					out.Rules = append(out.Rules, c)
				}
			}
		}
	}
	data, err := yaml.Marshal(&out)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkRuleScaling runs the JSONL path (one worker) with the built-in
// rules and with 2x and 4x as many pattern rules.
func BenchmarkRuleScaling(b *testing.B) {
	in := benchJSONL(b)
	lines := bytes.Count(in, []byte("\n"))
	for _, factor := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("rules=%dx", factor), func(b *testing.B) {
			opts := Options{}
			if factor > 1 {
				opts.RulesFile = scaledRules(b, factor)
			}
			c := newC(b, opts)
			for b.Loop() {
				if err := ClassifyJSONL(context.Background(), c, bytes.NewReader(in), io.Discard, 1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*lines)/b.Elapsed().Seconds(), "posts/s")
			b.ReportMetric(float64(len(c.rs.Load().patterns)), "patterns")
		})
	}
}

// BenchmarkNew is rule compilation from the built-in files (the start-up
// cost `escucha classify` pays before the first post).
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
