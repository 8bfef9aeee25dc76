package notifier

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/internal/testutil"
)

func brokerConfig(t *testing.T, port int) config.Config {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.NATS.Embedded = config.Embedded{Host: "127.0.0.1", Port: port}
	return cfg
}

func TestStartBrokerEmbeddedTCP(t *testing.T) {
	b, err := StartBroker(t.Context(), brokerConfig(t, -1), nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	require.True(t, b.Connected())
	require.Regexp(t, `^nats://127\.0\.0\.1:\d+$`, b.ClientURL())

	// An external tool connects over TCP and sees what escucha publishes.
	tool, err := nats.Connect(b.ClientURL())
	require.NoError(t, err)
	defer tool.Close()
	sub, err := tool.SubscribeSync("escucha.events")
	require.NoError(t, err)
	require.NoError(t, tool.Flush())
	require.NoError(t, b.Conn().Publish("escucha.events", []byte("hi")))
	msg, err := sub.NextMsg(5 * time.Second)
	require.NoError(t, err)
	require.Equal(t, "hi", string(msg.Data))

	// JetStream is enabled.
	js, err := jetstream.New(b.Conn())
	require.NoError(t, err)
	_, err = js.AccountInfo(t.Context())
	require.NoError(t, err)
}

func TestStartBrokerInProcessOnly(t *testing.T) {
	b, err := StartBroker(t.Context(), brokerConfig(t, 0), nil)
	require.NoError(t, err)
	require.Empty(t, b.ClientURL())
	require.Empty(t, b.WebsocketURL())
	require.Nil(t, b.Server().Addr())
	require.True(t, b.Connected())
	require.NoError(t, b.Close())
	require.NoError(t, b.Close(), "Close is idempotent")
	require.True(t, b.Conn().IsClosed())
}

func TestStartBrokerWebsocket(t *testing.T) {
	ws := freePort(t)
	cfg := brokerConfig(t, 0)
	cfg.NATS.Embedded.WebsocketPort = ws
	b, err := StartBroker(t.Context(), cfg, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	require.Equal(t, "ws://127.0.0.1:"+strconv.Itoa(ws), b.WebsocketURL())
	phone, err := nats.Connect(b.WebsocketURL())
	require.NoError(t, err)
	defer phone.Close()
	require.NoError(t, phone.Flush())
}

func TestStartBrokerPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	_, err = StartBroker(t.Context(), brokerConfig(t, port), nil)
	require.ErrorContains(t, err, "127.0.0.1:"+strconv.Itoa(port))
	require.ErrorContains(t, err, "nats.embedded.port")

	cfg := brokerConfig(t, 0)
	cfg.NATS.Embedded.WebsocketPort = port
	_, err = StartBroker(t.Context(), cfg, nil)
	require.ErrorContains(t, err, "nats.embedded.websocket_port")
	require.ErrorContains(t, err, "127.0.0.1:"+strconv.Itoa(port))
}

func TestStartBrokerExternal(t *testing.T) {
	ns, _ := testutil.RunJetStream(t)
	cfg := config.Default()
	cfg.NATS.URL = ns.ClientURL()
	b, err := StartBroker(t.Context(), cfg, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	require.Nil(t, b.Server())
	require.True(t, b.Connected())
	require.Equal(t, ns.ClientURL(), b.ClientURL())
}

func TestStartBrokerExternalRetriesFirstConnect(t *testing.T) {
	port := freePort(t)
	cfg := config.Default()
	cfg.NATS.URL = "nats://127.0.0.1:" + strconv.Itoa(port)
	b, err := StartBroker(t.Context(), cfg, nil)
	require.NoError(t, err, "a server that is not up yet is retried in the background")
	t.Cleanup(func() { _ = b.Close() })
	require.False(t, b.Connected())

	testutil.RunJetStreamServer(t, t.TempDir(), port)
	require.Eventually(t, b.Connected, 15*time.Second, 20*time.Millisecond)
}

func TestRedactURLs(t *testing.T) {
	require.Equal(t, "nats://bob:xxxxx@a:4222,nats://xxxxx@b:4222,nats://c:4222",
		config.RedactURL("nats://bob:s3cret@a:4222, nats://tok3n@b:4222,nats://c:4222"))
}

func TestBrokerRestartKeepsStreams(t *testing.T) {
	cfg := brokerConfig(t, 0)
	b, err := StartBroker(t.Context(), cfg, nil)
	require.NoError(t, err)
	n, err := New(Options{Conn: b.Conn(), Outbox: openStore(t)})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	js, err := jetstream.New(b.Conn())
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, err := js.Stream(t.Context(), "ESCUCHA_ALERTS")
		return err == nil
	}, 10*time.Second, 10*time.Millisecond)
	_, err = js.Publish(t.Context(), "escucha.alerts.elena", []byte(`{}`), jetstream.WithMsgID("a"))
	require.NoError(t, err)
	cancel()
	require.NoError(t, <-done)
	require.NoError(t, b.Close())

	b2, err := StartBroker(t.Context(), cfg, nil)
	require.NoError(t, err)
	defer b2.Close()
	js2, err := jetstream.New(b2.Conn())
	require.NoError(t, err)
	for _, name := range []string{"ESCUCHA_ALERTS", "ESCUCHA_MENTIONS", "ESCUCHA_EVENTS"} {
		s, err := js2.Stream(t.Context(), name)
		require.NoError(t, err, name)
		if name == "ESCUCHA_ALERTS" {
			require.Equal(t, uint64(1), s.CachedInfo().State.Msgs)
			require.Equal(t, 24*time.Hour, s.CachedInfo().Config.Duplicates)
		}
	}
	// The dedup window survives the restart too.
	ack, err := js2.Publish(t.Context(), "escucha.alerts.elena", []byte(`{}`), jetstream.WithMsgID("a"))
	require.NoError(t, err)
	require.True(t, ack.Duplicate)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestStartBrokerExternalAuthNeverLogsSecrets(t *testing.T) {
	const secret = "s3cret-pw-Zq9"
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: true,
		Username: "escucha", Password: secret})
	require.NoError(t, err)
	ns.Start()
	t.Cleanup(ns.Shutdown)
	require.True(t, ns.ReadyForConnections(5*time.Second))
	t.Setenv("TEST_ESCUCHA_NATS_PASSWORD", secret)

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	cfg := config.Default()
	cfg.NATS.URL = ns.ClientURL()
	cfg.NATS.User = "escucha"
	cfg.NATS.Password = config.SecretRef{Env: "TEST_ESCUCHA_NATS_PASSWORD"}
	b, err := StartBroker(t.Context(), cfg, logger)
	require.NoError(t, err)
	require.Eventually(t, b.Connected, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, b.Close())

	// Credentials in the URL itself are redacted too.
	cfg = config.Default()
	cfg.NATS.URL = strings.Replace(ns.ClientURL(), "nats://", "nats://escucha:"+secret+"@", 1)
	b, err = StartBroker(t.Context(), cfg, logger)
	require.NoError(t, err)
	require.Eventually(t, b.Connected, 5*time.Second, 10*time.Millisecond)
	require.NotContains(t, b.ClientURL(), secret)
	require.NoError(t, b.Close())

	require.Contains(t, logs.String(), "NATS connected")
	require.NotContains(t, logs.String(), secret)

	// A wrong password is never connected, and never logged either.
	t.Setenv("TEST_ESCUCHA_NATS_PASSWORD", "wrong-"+secret)
	cfg.NATS.URL = ns.ClientURL()
	cfg.NATS.User = "escucha"
	cfg.NATS.Password = config.SecretRef{Env: "TEST_ESCUCHA_NATS_PASSWORD"}
	b, err = StartBroker(t.Context(), cfg, logger)
	if err == nil {
		require.False(t, b.Connected())
		require.NoError(t, b.Close())
	}
	require.NotContains(t, logs.String(), secret)
	if err != nil {
		require.NotContains(t, err.Error(), secret)
	}
}

func TestEmbeddedRecipientPermissions(t *testing.T) {
	t.Setenv("TEST_ESCUCHA_ELENA_PW", "elena-pw")
	t.Setenv("TEST_ESCUCHA_BOB_PW", "bob-pw")
	cfg := brokerConfig(t, -1)
	cfg.NATS.Embedded.WebsocketPort = -1
	cfg.Recipients = map[string]config.Recipient{
		"elena": {Password: config.SecretRef{Env: "TEST_ESCUCHA_ELENA_PW"}},
		"bob":   {Password: config.SecretRef{Env: "TEST_ESCUCHA_BOB_PW"}},
		"comms": {}, // no password: no NATS user
	}
	b, err := StartBroker(t.Context(), cfg, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	require.True(t, b.Connected(), "escucha's own connection authenticates as the service user")

	// The daemon answers actions (the notifier's role) on its connection.
	_, err = b.Conn().Subscribe("escucha.actions.*", func(m *nats.Msg) { _ = m.Respond([]byte(`{"ok":true}`)) })
	require.NoError(t, err)
	require.NoError(t, b.Conn().Flush())

	_, err = nats.Connect(b.ClientURL())
	require.ErrorContains(t, err, "Authorization Violation", "anonymous clients are refused")
	_, err = nats.Connect(b.ClientURL(), nats.UserInfo("elena", "bob-pw"))
	require.ErrorContains(t, err, "Authorization Violation")
	_, err = nats.Connect(b.ClientURL(), nats.UserInfo("comms", ""))
	require.ErrorContains(t, err, "Authorization Violation", "a recipient without password has no user")

	for name, url := range map[string]string{"tcp": b.ClientURL(), "websocket": b.WebsocketURL()} {
		t.Run(name, func(t *testing.T) {
			violations := make(chan string, 10)
			phone, err := nats.Connect(url, nats.UserInfo("elena", "elena-pw"),
				nats.CustomInboxPrefix(InboxPrefix("elena")),
				nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { violations <- err.Error() }))
			require.NoError(t, err)
			defer phone.Close()

			// Her own alerts reach her.
			own, err := phone.SubscribeSync("escucha.alerts.elena")
			require.NoError(t, err)
			require.NoError(t, phone.Flush())
			require.NoError(t, b.Conn().Publish("escucha.alerts.elena", []byte("for elena")))
			msg, err := own.NextMsg(5 * time.Second)
			require.NoError(t, err)
			require.Equal(t, "for elena", string(msg.Data))

			// Bob's are refused by the server, and so are wildcards.
			for _, subj := range []string{"escucha.alerts.bob", "escucha.alerts.*", "escucha.>", "_INBOX_bob.>"} {
				_, err = phone.SubscribeSync(subj)
				require.NoError(t, err) // the refusal is asynchronous
				select {
				case v := <-violations:
					require.Contains(t, v, "Permissions Violation for Subscription to \""+subj+"\"")
				case <-time.After(5 * time.Second):
					t.Fatalf("server accepted elena's subscription to %s", subj)
				}
			}

			// She acts on her own alerts with request/reply, never on Bob's.
			rep, err := phone.Request("escucha.actions.elena", []byte(`{}`), 5*time.Second)
			require.NoError(t, err)
			require.JSONEq(t, `{"ok":true}`, string(rep.Data))
			require.NoError(t, phone.Publish("escucha.actions.bob", []byte(`{}`)))
			select {
			case v := <-violations:
				require.Contains(t, v, "Permissions Violation for Publish to \"escucha.actions.bob\"")
			case <-time.After(5 * time.Second):
				t.Fatal("server accepted elena's publish to escucha.actions.bob")
			}
		})
	}

	// The CLI reaches the daemon with the local credentials from the data dir.
	user, pw, err := LocalCredentials(cfg.DataDir)
	require.NoError(t, err)
	cli, err := nats.Connect(b.ClientURL(), nats.UserInfo(user, pw))
	require.NoError(t, err)
	defer cli.Close()
	rep, err := cli.Request("escucha.actions.bob", []byte(`{}`), 5*time.Second)
	require.NoError(t, err)
	require.JSONEq(t, `{"ok":true}`, string(rep.Data))
}

func TestEmbeddedAdminUserAndStableLocalPassword(t *testing.T) {
	t.Setenv("TEST_ESCUCHA_ADMIN_PW", "admin-pw")
	cfg := brokerConfig(t, -1)
	cfg.NATS.User = "ops"
	cfg.NATS.Password = config.SecretRef{Env: "TEST_ESCUCHA_ADMIN_PW"}
	b, err := StartBroker(t.Context(), cfg, nil)
	require.NoError(t, err)
	admin, err := nats.Connect(b.ClientURL(), nats.UserInfo("ops", "admin-pw"))
	require.NoError(t, err)
	sub, err := admin.SubscribeSync("escucha.alerts.>")
	require.NoError(t, err)
	require.NoError(t, admin.Flush())
	require.NoError(t, b.Conn().Publish("escucha.alerts.elena", []byte("x")))
	_, err = sub.NextMsg(5 * time.Second)
	require.NoError(t, err, "nats.user may read every alert")
	admin.Close()
	_, pw1, err := LocalCredentials(cfg.DataDir)
	require.NoError(t, err)
	require.NoError(t, b.Close())

	b, err = StartBroker(t.Context(), cfg, nil)
	require.NoError(t, err)
	defer b.Close()
	_, pw2, err := LocalCredentials(cfg.DataDir)
	require.NoError(t, err)
	require.Equal(t, pw1, pw2, "the local password survives a restart")
	fi, err := os.Stat(filepath.Join(cfg.DataDir, localPasswordFile))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

func TestAllowedOrigins(t *testing.T) {
	require.Equal(t, []string{"http://127.0.0.1:8080", "http://localhost:8080"}, allowedOrigins("http://127.0.0.1:8080/"))
	require.Equal(t, []string{"https://escucha.example"}, allowedOrigins("https://escucha.example/base"))
	require.Nil(t, allowedOrigins(""))
}
