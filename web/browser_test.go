package web

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/internal/testutil"
	"github.com/escucha/escucha/store"
)

// chromiumPath finds Debian's chromium. Without it the browser tests are
// skipped on a developer machine and fail in CI (CI is set).
func chromiumPath(t *testing.T) string {
	for _, p := range []string{os.Getenv("ESCUCHA_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is required for the browser tests in CI (apt-get install chromium)")
	}
	t.Skip("chromium not installed; skipping browser tests")
	return ""
}

// TestBrowser drives the review inbox in headless chromium with one
// browser for every step: log in, see hostile text stay inert, filter,
// receive a live update, open a mention with its highlighted rule,
// correct the verdict, see it on the rules page and read the report.
// Screenshots go to $ESCUCHA_SCREENSHOT_DIR (or a temp dir) and their
// paths are logged.
func TestBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	shots := os.Getenv("ESCUCHA_SCREENSHOT_DIR")
	if shots == "" {
		shots = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(shots, 0o755))

	_, nc := testutil.RunJetStream(t)
	e := newEnv(t, func(o *Options) { o.NATS = nc; o.LiveFallback = time.Hour })
	runCtx, stopServer := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	served := make(chan error, 1)
	go func() { served <- e.srv.Run(runCtx, "127.0.0.1:0", ready) }()
	base := "http://" + <-ready
	t.Cleanup(func() {
		stopServer()
		require.NoError(t, <-served)
	})

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()

	// Any dialog would mean a script of a stranger ran.
	dialogs := make(chan string, 4)
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			select {
			case dialogs <- d.Message:
			default:
			}
		}
	}))

	n := 0
	shot := func(t *testing.T, name string) {
		t.Helper()
		n++
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		p := filepath.Join(shots, fmt.Sprintf("%02d-%s.png", n, name))
		require.NoError(t, os.WriteFile(p, png, 0o644))
		t.Logf("screenshot: %s", p)
	}
	title := func(t *testing.T) string {
		s, err := chromedp.Run(ctx, chromedp.Title())
		require.NoError(t, err)
		return s
	}
	count := func(t *testing.T, sel string) int {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
		require.NoError(t, err)
		return n
	}

	t.Run("log in", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible("#login-form"),
			chromedp.SendKeys("#user", "root"),
			chromedp.SendKeys("#password", "root-secret"),
			chromedp.Click("#login-submit"),
			chromedp.WaitVisible("#inbox"),
		))
		require.Equal(t, 4, count(t, "li.item"))
		shot(t, "inbox")
	})

	t.Run("hostile text never runs", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(base+"/mention?key=demo%2F3"),
			chromedp.WaitVisible("#post-text"),
		))
		text, err := chromedp.Run(ctx, chromedp.Text("#post-text"))
		require.NoError(t, err)
		require.Contains(t, text, `<script>document.title="pwned"</script>`, "shown as text")
		require.NotEqual(t, "pwned", title(t))
		require.Equal(t, 0, count(t, "img"), "no image element was created")
		require.Equal(t, 0, count(t, "main script"))
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible("#inbox")))
		require.NotEqual(t, "pwned", title(t))
		require.Equal(t, 0, count(t, "img"))
		shot(t, "hostile-text-inert")
		select {
		case d := <-dialogs:
			t.Fatalf("a dialog opened: %s", d)
		default:
		}
	})

	t.Run("filter", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible("#filters"),
			chromedp.SetValue(`select[name="label"]`, "suggestion"),
			chromedp.Click("#filter-submit"),
			chromedp.WaitVisible("#filter-clear"),
		))
		require.Equal(t, 1, count(t, "li.item"))
		require.Equal(t, 1, count(t, `li.item[data-key="x/2"]`))
		shot(t, "filtered")
		require.NoError(t, chromedp.Do(ctx, chromedp.Click("#filter-clear"), chromedp.WaitNotPresent("#filter-clear")))
		require.Equal(t, 4, count(t, "li.item"))
	})

	t.Run("live update", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible("#live")))
		m := escucha.Mention{Source: "x", ID: "77", Text: "Tercer día sin respuesta del servicio técnico", Lang: "es",
			Author: escucha.Author{Handle: "nueva"}, PostedAt: t0.Add(-time.Minute)}
		v := escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityCritical, Lang: "es"}
		_, err := e.st.Commit(t.Context(), store.Batch{Items: []store.Item{{Mention: m, Verdict: v}}})
		require.NoError(t, err)
		data, _ := json.Marshal(map[string]any{"mention": m, "verdict": v})
		require.NoError(t, nc.Publish("escucha.mentions.x", data))
		require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(`li.item[data-key="x/77"]`)))
		require.Equal(t, 5, count(t, "li.item"))
		shot(t, "live-update")
	})

	t.Run("open a mention and see the rule", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Click(`li.item[data-key="x/1"] a.row`),
			chromedp.WaitVisible("#post-text mark.hit"),
		))
		hit, err := chromedp.Run(ctx, chromedp.Text("#post-text mark.hit"))
		require.NoError(t, err)
		rules, err := chromedp.Run(ctx, chromedp.Text("#rules"))
		require.NoError(t, err)
		require.Equal(t, "no funciona", hit)
		require.Contains(t, rules, "es.complaint.nofunciona")
		shot(t, "mention-detail")
	})

	t.Run("correct the verdict", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Click("#corr-fp"),
			chromedp.SendKeys(`#correct-form input[name="text"]`, "ironía"),
			chromedp.Click("#corr-submit"),
			chromedp.WaitVisible(".flash"),
		))
		status, err := chromedp.Run(ctx, chromedp.Text("#status"))
		require.NoError(t, err)
		require.Equal(t, "Falso positivo", status)
		rv, err := e.st.Review(t.Context(), "x/1")
		require.NoError(t, err)
		require.Equal(t, store.StatusFalsePositive, rv.Status)
		require.Equal(t, "root", rv.Corrections[0].By)
		shot(t, "verdict-corrected")

		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/admin/rules"), chromedp.WaitVisible("#rule-stats")))
		table, err := chromedp.Run(ctx, chromedp.Text("#rule-stats tbody tr:first-child"))
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(table, "es.complaint.nofunciona"), table)
		shot(t, "rules-false-positives")
	})

	t.Run("report", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(base+"/reports?since=30d&by=severity"),
			chromedp.WaitVisible("#sla-chart"),
			chromedp.WaitVisible("table.report-table"),
		))
		mentions, err := chromedp.Run(ctx, chromedp.Text("#mentions-count"))
		require.NoError(t, err)
		require.Equal(t, "5", mentions)
		require.Equal(t, 0, count(t, "script:not([src])"), "no inline script")
		// The page's CSS applied (nonce accepted): the bars are coloured.
		fill, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("rect.median")).fill`))
		require.NoError(t, err)
		require.Equal(t, "rgb(47, 95, 208)", fill)
		shot(t, "report")
		require.NoError(t, chromedp.Do(ctx, chromedp.Click("nav.report-nav a:last-child"), chromedp.WaitVisible("#sla-chart")))
		h1, err := chromedp.Run(ctx, chromedp.Text("h1"))
		require.NoError(t, err)
		require.Equal(t, "Time to response", h1)
		shot(t, "report-en")
	})

	t.Run("not flagged tab and a missed complaint", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible("#inbox-tabs"),
			chromedp.Click("#tab-not-flagged"),
			chromedp.WaitVisible(`li.item[data-key="x/5"]`),
		))
		require.Equal(t, 1, count(t, "li.item"))
		shot(t, "not-flagged")
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Click(`li.item[data-key="x/5"] a.row`),
			chromedp.WaitVisible("#missed-form"),
			chromedp.WaitNotVisible("#missed-severity"),
			chromedp.Click("#missed-complaint"),
			chromedp.WaitVisible("#missed-severity"),
			chromedp.SetValue("#missed-severity", "critical"),
		))
		shot(t, "missed-form")
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Click("#missed-submit"),
			chromedp.WaitVisible(".flash"),
			chromedp.Navigate(base+"/?flagged=no"),
			chromedp.WaitVisible(`li.item[data-key="x/5"] .badge.label-complaint`),
		))
		require.Equal(t, 1, count(t, `li.item[data-key="x/5"] .badge.sev-critical`))
		shot(t, "missed-corrected")
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/admin/rules"), chromedp.WaitVisible("#missed-stats")))
		missed, err := chromedp.Run(ctx, chromedp.Text("#missed-complaints"))
		require.NoError(t, err)
		require.Equal(t, "1", missed)
		shot(t, "rules-missed")
	})
}
