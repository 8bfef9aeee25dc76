package config

import "time"

// Delivery configures how alerts reach phones besides NATS: the ntfy
// server, Web Push keys and the signed links behind the action buttons of
// a push notification. Zero values take the defaults named on each field.
type Delivery struct {
	// Ntfy is the ntfy server that recipients with an ntfy topic are
	// pushed through.
	Ntfy NtfyServer `mapstructure:"ntfy"`
	// Webpush holds the VAPID keys of Web Push to the mobile page.
	Webpush Webpush `mapstructure:"webpush"`
	// ActionTokenTTL is how long the signed action links of a push
	// notification stay valid (default 24h).
	ActionTokenTTL time.Duration `mapstructure:"action_token_ttl"`
	// ActionKey is the HMAC key that signs action links. Unset: escucha
	// generates one and keeps it in <data_dir>/action.key (mode 0600).
	ActionKey SecretRef `mapstructure:"action_key"`
	// WebsocketURL is the NATS WebSocket URL as phones reach it, for the
	// mobile page (default ws://<the page's host>:<nats.embedded.websocket_port>);
	// set it behind a TLS proxy, for example wss://escucha.example/nats.
	WebsocketURL string `mapstructure:"websocket_url"`
	// MaxAge is the oldest alert a push gateway still delivers, for
	// example after a long outage or when a channel is first enabled
	// (default 6h).
	MaxAge time.Duration `mapstructure:"max_age"`
}

// NtfyServer is an ntfy server (https://ntfy.sh or a self-hosted one).
type NtfyServer struct {
	// URL of the server (default https://ntfy.sh).
	URL string `mapstructure:"url"`
	// Token is an ntfy access token (tk_...) sent as a bearer token.
	Token SecretRef `mapstructure:"token"`
}

// Webpush configures Web Push (VAPID) to the installed mobile page.
type Webpush struct {
	// Disabled turns Web Push off.
	Disabled bool `mapstructure:"disabled"`
	// VAPIDPublicKey is the base64url public key given to browsers.
	// Unset together with VAPIDPrivateKey: escucha generates a pair and
	// keeps it in <data_dir>/vapid.json (mode 0600).
	VAPIDPublicKey string `mapstructure:"vapid_public_key"`
	// VAPIDPrivateKey is the matching private key.
	VAPIDPrivateKey SecretRef `mapstructure:"vapid_private_key"`
	// Subscriber is the contact push services may use: mailto:... or an
	// https URL (default: http.public_url when it is https).
	Subscriber string `mapstructure:"subscriber"`
}

// RecipientDelivery holds a recipient's push channels; its keys sit
// directly under recipients.<id>.
type RecipientDelivery struct {
	// Ntfy pushes the recipient's alerts to an ntfy topic.
	Ntfy *NtfyTarget `mapstructure:"ntfy"`
	// Webhook posts the recipient's alerts to a URL.
	Webhook *WebhookTarget `mapstructure:"webhook"`
}

// NtfyTarget is one recipient's ntfy topic.
type NtfyTarget struct {
	// Topic is the ntfy topic the person's app subscribes to; it works as
	// a password on a public server, so pick one that cannot be guessed.
	Topic string `mapstructure:"topic"`
	// Priorities override the ntfy priority (1-5) of a severity: keys
	// low, medium, high, critical and none (suggestions). Defaults:
	// critical 5, high 4, medium 3, low 2, none 3.
	Priorities map[string]int `mapstructure:"priorities"`
}

// WebhookTarget is one recipient's webhook.
type WebhookTarget struct {
	// URL receives a POST with the alert as JSON.
	URL string `mapstructure:"url"`
	// Secret, when set, signs each body with HMAC-SHA256 in the
	// X-Escucha-Signature header.
	Secret SecretRef `mapstructure:"secret"`
}
