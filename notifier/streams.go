package notifier

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// mentionsMaxAge bounds how long the mentions stream keeps messages; the
// store keeps every mention anyway.
const mentionsMaxAge = 30 * 24 * time.Hour

// eventsMaxAge bounds how long the events stream keeps messages.
const eventsMaxAge = 30 * 24 * time.Hour

// timersMaxAge bounds how long an escalation timer may wait (and how long
// fired steps are kept).
const timersMaxAge = 30 * 24 * time.Hour

// StreamNames returns the names of the alerts, mentions and events streams
// for a subject prefix: ESCUCHA_ALERTS, ESCUCHA_MENTIONS and ESCUCHA_EVENTS
// for the default prefix "escucha".
func StreamNames(prefix string) (alerts, mentions, events string) {
	base := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		}
		return '_'
	}, prefix)
	return base + "_ALERTS", base + "_MENTIONS", base + "_EVENTS"
}

// streamConfigs returns the streams escucha needs, the events stream last
// (its existence tells that every stream is there). Alerts are kept until
// an operator sets limits; mentions, timers and events for 30 days.
func streamConfigs(prefix string, window time.Duration) []jetstream.StreamConfig {
	alerts, mentions, events := StreamNames(prefix)
	return []jetstream.StreamConfig{
		{
			Name:        alerts,
			Description: "escucha alerts, one subject per recipient; Nats-Msg-Id is the alert id",
			Subjects:    []string{prefix + ".alerts.>"},
			Storage:     jetstream.FileStorage,
			Duplicates:  window,
		},
		{
			Name:        mentions,
			Description: "escucha mentions after classification, one subject per source",
			Subjects:    []string{prefix + ".mentions.>"},
			Storage:     jetstream.FileStorage,
			Duplicates:  window,
			MaxAge:      max(mentionsMaxAge, window),
		},
		{
			Name:              TimersStreamName(prefix),
			Description:       "escucha escalation timers (message schedules on .timers.*) and the steps they fire (.escalate.*)",
			Subjects:          []string{prefix + ".timers.>", prefix + ".escalate.>"},
			Storage:           jetstream.FileStorage,
			Duplicates:        window,
			MaxAge:            max(timersMaxAge, window),
			AllowMsgSchedules: true,
		},
		{
			Name:        events,
			Description: "escucha alert lifecycle events (notified, acked, responded, resolved, snoozed)",
			Subjects:    []string{prefix + ".events"},
			Storage:     jetstream.FileStorage,
			MaxAge:      eventsMaxAge,
		},
	}
}

// ensureStreams creates the streams that are missing. A stream that exists
// keeps its other settings (replicas, limits an operator chose); only its
// subjects and duplicate window are brought in line.
func ensureStreams(ctx context.Context, js jetstream.JetStream, prefix string, window time.Duration) error {
	for _, want := range streamConfigs(prefix, window) {
		s, err := js.Stream(ctx, want.Name)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			if _, err := js.CreateStream(ctx, want); err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
				return fmt.Errorf("create stream %s: %w", want.Name, err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("look up stream %s: %w", want.Name, err)
		}
		have := s.CachedInfo().Config
		changed := false
		for _, subj := range want.Subjects {
			if !slices.Contains(have.Subjects, subj) {
				have.Subjects = append(have.Subjects, subj)
				changed = true
			}
		}
		if want.Duplicates != 0 && have.Duplicates != want.Duplicates {
			have.Duplicates = want.Duplicates
			if have.MaxAge != 0 && have.MaxAge < have.Duplicates {
				have.Duplicates = have.MaxAge
			}
			changed = have.Duplicates != s.CachedInfo().Config.Duplicates || changed
		}
		if changed {
			if _, err := js.UpdateStream(ctx, have); err != nil {
				return fmt.Errorf("update stream %s: %w", want.Name, err)
			}
		}
	}
	return nil
}
