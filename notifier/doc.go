// Package notifier owns the way alerts leave escucha and actions come back:
// the NATS broker (an embedded nats-server with JetStream, or a connection
// to an external one), the routing of flagged mentions to recipients, the
// publisher that drains the store's outbox onto JetStream with Nats-Msg-Id
// set to the alert id, and the request/reply subscriber that records what a
// person did with an alert.
//
//	store (outbox) ──PendingAlerts──► Notifier ──<prefix>.alerts.<r>──► ESCUCHA_ALERTS ──► phones
//	      ▲                              │
//	      │ MarkNotified, RecordAction    └──<prefix>.events──► ESCUCHA_EVENTS (other tools)
//	      └──────── <prefix>.actions.<r> (request/reply) ◄── phones, `escucha ack`, review page
//
// Subjects use the configured prefix (default "escucha"); recipient and
// source names are single subject tokens (no '.', '*', '>' or whitespace).
package notifier
