package classifier

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"testing"
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
		_, _ = c.classifyDoc(d, []byte(t), nil)
		bytesIn += int64(len(t))
		n++
	}
	b.SetBytes(bytesIn / int64(max(n, 1)))
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
	in := benchInput(10000)
	if path := os.Getenv("ESCUCHA_BENCH_JSONL"); path != "" {
		var err error
		if in, err = os.ReadFile(path); err != nil {
			b.Fatal(err)
		}
	}
	lines := bytes.Count(in, []byte("\n"))
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if err := ClassifyJSONL(context.Background(), c, bytes.NewReader(in), io.Discard, workers); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*lines)/b.Elapsed().Seconds(), "posts/s")
		})
	}
}
