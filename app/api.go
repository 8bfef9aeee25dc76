package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/report"
	"github.com/escucha/escucha/store"
)

// ReportRequest is what `escucha report` asks for: its flags, as strings,
// so the same request can travel over NATS to a running daemon.
type ReportRequest struct {
	Since  string `json:"since,omitempty"`
	Until  string `json:"until,omitempty"`
	By     string `json:"by,omitempty"`
	Format string `json:"format,omitempty"`
}

// ReportSubject is the NATS subject a running daemon answers report
// requests on, so the CLI works while the daemon holds the store.
func ReportSubject(prefix string) string { return prefix + ".api.report" }

// ParseTime reads a point in time for --since/--until: a duration back from
// now ("7d", "36h", "90m"), a date (2026-11-20) or RFC 3339.
func ParseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if strings.HasSuffix(s, "d") {
		if n, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && n >= 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use 7d, 36h, 2026-11-20 or RFC 3339", s)
}

// Options turns the request into report options.
func (r ReportRequest) Options(cfg config.Config, now time.Time) (report.Options, error) {
	since, err := ParseTime(r.Since, now)
	if err != nil {
		return report.Options{}, fmt.Errorf("--since: %w", err)
	}
	until, err := ParseTime(r.Until, now)
	if err != nil {
		return report.Options{}, fmt.Errorf("--until: %w", err)
	}
	switch r.By {
	case "", "source", "label", "severity", "recipient", "day", "week":
	default:
		return report.Options{}, fmt.Errorf("--by %q: use source, label, severity, recipient, day or week", r.By)
	}
	switch r.Format {
	case "", "table", "csv", "json", "html":
	default:
		return report.Options{}, fmt.Errorf("--format %q: use table, csv, json or html", r.Format)
	}
	opts, err := report.FromConfig(cfg)
	if err != nil {
		return report.Options{}, err
	}
	opts.Since, opts.Until, opts.By = since, until, r.By
	opts.Now = func() time.Time { return now }
	return opts, nil
}

// RenderReport builds the report from an open store and renders it.
func RenderReport(ctx context.Context, st *store.Store, cfg config.Config, req ReportRequest, now time.Time) ([]byte, error) {
	opts, err := req.Options(cfg, now)
	if err != nil {
		return nil, err
	}
	rep, err := report.Build(ctx, st, opts)
	if err != nil {
		return nil, fmt.Errorf("build report: %w", err)
	}
	format := req.Format
	if format == "" {
		format = "table"
	}
	var buf bytes.Buffer
	if err := rep.Render(&buf, format); err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	return buf.Bytes(), nil
}

// errorHeader carries an API error in a NATS reply.
const errorHeader = "Escucha-Error"

// RequestReport asks a running daemon for a report over NATS.
func RequestReport(ctx context.Context, nc *nats.Conn, prefix string, req ReportRequest) ([]byte, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	msg, err := nc.RequestWithContext(ctx, ReportSubject(prefix), body)
	if err != nil {
		return nil, fmt.Errorf("ask the running daemon for a report: %w", err)
	}
	if e := msg.Header.Get(errorHeader); e != "" {
		return nil, fmt.Errorf("report: %s", e)
	}
	return msg.Data, nil
}

// serveAPI answers the CLI's requests while the daemon holds the store.
func (a *App) serveAPI(ctx context.Context) error {
	nc := a.broker.Conn()
	sub, err := nc.QueueSubscribe(ReportSubject(a.cfg.NATS.Prefix), "escucha", func(m *nats.Msg) {
		reply := nats.NewMsg(m.Reply)
		var req ReportRequest
		var out []byte
		err := json.Unmarshal(m.Data, &req)
		if err == nil {
			rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			out, err = RenderReport(rctx, a.store, a.cfg, req, a.now())
			cancel()
		}
		if err != nil {
			reply.Header.Set(errorHeader, err.Error())
		} else {
			reply.Data = out
		}
		if err := m.RespondMsg(reply); err != nil {
			a.log.Warn("reply to report request", "err", err)
		}
	})
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", ReportSubject(a.cfg.NATS.Prefix), err)
	}
	a.life.onStop("api", func(context.Context) error { return sub.Drain() })
	return nil
}

// printAlerts writes one line per alert published, for a person watching
// the terminal of `escucha run --demo`.
func (a *App) printAlerts() error {
	subject := a.cfg.NATS.Prefix + ".alerts.>"
	w := a.opts.AlertOutput
	sub, err := a.broker.Conn().Subscribe(subject, func(m *nats.Msg) {
		var al escucha.Alert
		if err := json.Unmarshal(m.Data, &al); err != nil {
			return
		}
		fmt.Fprintf(w, "%s  → %-8s %s\n        %s\n", al.NotifiedAt.Local().Format("15:04:05"), al.Recipient, al.Title, al.URL)
	})
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", subject, err)
	}
	a.life.onStop("alert printer", func(context.Context) error { return sub.Unsubscribe() })
	return nil
}

// watchRules reloads the company's rules file when it changes, keeping
// the old rules if the new file does not load.
func (a *App) watchRules(ctx context.Context) {
	path := a.cfg.Classifier.RulesFile
	if path == "" {
		return
	}
	st, _ := os.Stat(path)
	var last time.Time
	if st != nil {
		last = st.ModTime()
	}
	go func() {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			st, err := os.Stat(path)
			if err != nil || !st.ModTime().After(last) {
				continue
			}
			last = st.ModTime()
			if err := a.classifier.Reload(); err != nil {
				a.log.Error("rules file not reloaded; keeping the previous rules", "file", path, "err", err)
				continue
			}
			a.log.Info("rules reloaded", "file", path)
		}
	}()
}
