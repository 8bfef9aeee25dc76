// Package escucha holds the shared vocabulary of the escucha daemon: the
// mentions found by the listener, the verdicts of the classifier, the alerts
// sent by the notifier, the actions people take on them and the ledger of
// timestamps that response-time reports are computed from.
//
// The package has no behaviour beyond small methods and imports only the
// standard library, so every other package can depend on it.
//
//	sources ──Mention──► classifier ──Verdict──► store (bbolt) ──Alert──► notifier ──NATS──► phones
//	                                                 ▲                                         │
//	                                                 └──────────── Action (ack, responded) ◄───┘
package escucha

// Version is the escucha release, set at build time with
// -ldflags "-X github.com/escucha/escucha.Version=v1.2.3".
var Version = "dev"
