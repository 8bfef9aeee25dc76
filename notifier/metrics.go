package notifier

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// metrics are the notifier's Prometheus series (namespace escucha).
type metrics struct {
	published     *prometheus.CounterVec
	publishErrors prometheus.Counter
	actions       *prometheus.CounterVec
	latency       prometheus.Histogram
	pending       prometheus.Gauge
	escalations   *prometheus.CounterVec
	grouped       prometheus.Counter
	digested      prometheus.Counter
	heldQuiet     prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	return &metrics{
		published: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: "escucha", Name: "alerts_published_total",
			Help: "Alerts published to JetStream, by recipient (re-publishes JetStream dropped as duplicates included).",
		}, []string{"recipient"}),
		publishErrors: f.NewCounter(prometheus.CounterOpts{
			Namespace: "escucha", Name: "alert_publish_errors_total",
			Help: "Failed attempts to publish an alert; each is retried with backoff.",
		}),
		actions: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: "escucha", Name: "actions_total",
			Help: "Action requests received on <prefix>.actions.<recipient>, by action and result (ok, invalid, forbidden, not_found, error).",
		}, []string{"action", "result"}),
		latency: f.NewHistogram(prometheus.HistogramOpts{
			Namespace: "escucha", Name: "publish_latency_seconds",
			Help:    "Time from an alert's creation in the outbox to its publication on NATS.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}),
		pending: f.NewGauge(prometheus.GaugeOpts{
			Namespace: "escucha", Name: "outbox_pending",
			Help: "Alerts waiting in the outbox at the last drain (counted up to one batch).",
		}),
		escalations: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: "escucha", Name: "escalations_total",
			Help: "Escalation steps run (alerts created for the step's recipients), by step number.",
		}, []string{"step"}),
		grouped: f.NewCounter(prometheus.CounterOpts{
			Namespace: "escucha", Name: "alerts_grouped_total",
			Help: "Alerts that joined a group of similar alerts instead of buzzing on their own.",
		}),
		digested: f.NewCounter(prometheus.CounterOpts{
			Namespace: "escucha", Name: "alerts_digested_total",
			Help: "Alerts delivered inside a digest (over budget or after quiet hours).",
		}),
		heldQuiet: f.NewCounter(prometheus.CounterOpts{
			Namespace: "escucha", Name: "alerts_held_quiet_total",
			Help: "Alerts held during their recipient's quiet hours.",
		}),
	}
}
