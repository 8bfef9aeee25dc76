package app

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/escucha/escucha/listener"
	"github.com/escucha/escucha/store"
)

// pipeline is the listener's Sink: it classifies a page, routes the flagged
// mentions to recipients and commits mentions, verdicts, pending alerts,
// replies and the source cursor in one store transaction before the
// listener may advance its cursor.
type pipeline struct{ app *App }

var _ listener.Sink = (*pipeline)(nil)

type pipelineMetrics struct {
	verdicts   *prometheus.CounterVec
	duplicates prometheus.Counter
	alerts     prometheus.Counter
	responded  prometheus.Counter
}

func newPipelineMetrics(reg prometheus.Registerer) *pipelineMetrics {
	f := promauto.With(reg)
	return &pipelineMetrics{
		verdicts: f.NewCounterVec(prometheus.CounterOpts{
			Name: "escucha_verdicts_total", Help: "New mentions classified, by label.",
		}, []string{"label"}),
		duplicates: f.NewCounter(prometheus.CounterOpts{
			Name: "escucha_mentions_duplicate_total", Help: "Mentions seen again and skipped.",
		}),
		alerts: f.NewCounter(prometheus.CounterOpts{
			Name: "escucha_alerts_created_total", Help: "Alerts committed to the outbox.",
		}),
		responded: f.NewCounter(prometheus.CounterOpts{
			Name: "escucha_mentions_responded_total", Help: "Mentions marked responded by a brand reply.",
		}),
	}
}

// Deliver implements listener.Sink.
func (p *pipeline) Deliver(ctx context.Context, source string, page listener.Page) error {
	a := p.app
	b := store.Batch{Source: source, Cursor: page.Cursor, Replies: page.Replies}
	for _, m := range page.Mentions {
		v := a.classifier.Classify(m.Text, m.Lang)
		now := a.now()
		if v.ClassifiedAt.IsZero() {
			v.ClassifiedAt = now
		}
		if m.Lang == "" {
			m.Lang = v.Lang
		}
		if m.FetchedAt.IsZero() {
			m.FetchedAt = now
		}
		item := store.Item{Mention: m, Verdict: v}
		if v.Flagged() {
			item.Alerts = a.router.Route(m, v, now)
		}
		b.Items = append(b.Items, item)
	}
	res, err := a.store.Commit(ctx, b)
	if err != nil {
		return fmt.Errorf("commit %d mentions from %s: %w", len(b.Items), source, err)
	}
	p.app.metrics.duplicates.Add(float64(res.Duplicates))
	p.app.metrics.responded.Add(float64(len(res.Responded)))
	alerts := 0
	for _, it := range res.New {
		p.app.metrics.verdicts.WithLabelValues(string(it.Verdict.Label)).Inc()
		alerts += len(it.Alerts)
		// Mention events are best effort: a broker that is down must not
		// hold up the listener (alerts have their own outbox).
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := a.notifier.PublishMention(pctx, it.Mention, it.Verdict)
		cancel()
		if err != nil {
			a.log.Warn("publish mention event", "mention", it.Mention, "err", err)
		}
	}
	p.app.metrics.alerts.Add(float64(alerts))
	if alerts > 0 {
		a.notifier.Kick()
	}
	return nil
}
