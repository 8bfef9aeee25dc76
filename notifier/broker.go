package notifier

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/escucha/escucha/config"
)

// brokerReadyTimeout bounds how long StartBroker waits for the embedded
// server to accept connections.
const brokerReadyTimeout = 10 * time.Second

// Broker is escucha's connection to NATS: an embedded nats-server with
// JetStream (the default) or a connection to an external server when
// nats.url is set. Close it once.
type Broker struct {
	ns     *server.Server // nil for an external server
	wsPort int            // configured WebSocket port, 0 for none
	nc     *nats.Conn
	logger *slog.Logger
	closed chan struct{} // closed by the connection's ClosedHandler

	once     sync.Once
	closeErr error
}

// StartBroker starts the embedded server, or connects to cfg.NATS.URL when it
// is set, and returns a broker with a live connection.
//
// Embedded: server name "escucha", JetStream storing under
// <cfg.DataDir>/nats, a client listener on cfg.NATS.Embedded.Host:Port (Port
// -1 picks a free port, Port 0 listens on nothing and only the in-process
// connection exists), NATS over WebSocket without TLS on
// Embedded.WebsocketPort when it is positive, and an in-process client
// connection. A port already in use is an error naming the address.
//
// When a recipient has a password or nats.user is set, the embedded server
// requires authentication (see embeddedUsers): each such recipient becomes
// a user who may only read <prefix>.alerts.<r> and write
// <prefix>.actions.<r>; escucha connects as ServiceUser with a random
// password; nats.user gets every permission; LocalUser (password file in
// the data dir) may send actions. The WebSocket listener accepts browsers
// from http.public_url's origin only.
//
// The logger is used as given (the caller names the component).
//
// External: the connection authenticates with nats.user and nats.password
// or with nats.creds_file, keeps retrying the first connect and every
// reconnect in the background, and logs URLs with their passwords redacted.
func StartBroker(ctx context.Context, cfg config.Config, logger *slog.Logger) (*Broker, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.NATS.URL != "" {
		return connectExternal(ctx, cfg.NATS, logger)
	}
	return startEmbedded(ctx, cfg, logger)
}

func startEmbedded(ctx context.Context, cfg config.Config, logger *slog.Logger) (*Broker, error) {
	e := cfg.NATS.Embedded
	if cfg.DataDir == "" {
		return nil, errors.New("start embedded NATS: data_dir is empty")
	}
	host := e.Host
	if host == "" {
		host = "127.0.0.1"
	}
	opts := &server.Options{
		ServerName: "escucha",
		Host:       host,
		JetStream:  true,
		StoreDir:   filepath.Join(cfg.DataDir, "nats"),
		NoSigs:     true,
	}
	switch {
	case e.Port == 0:
		opts.DontListen = true
	case e.Port < -1 || e.Port > 65535:
		return nil, fmt.Errorf("start embedded NATS: nats.embedded.port %d out of range", e.Port)
	default:
		opts.Port = e.Port
		if err := checkFree(host, e.Port, "nats.embedded.port"); err != nil {
			return nil, err
		}
	}
	if e.WebsocketPort > 0 || e.WebsocketPort == -1 {
		opts.Websocket = server.WebsocketOpts{Host: host, Port: e.WebsocketPort, NoTLS: true,
			AllowedOrigins: allowedOrigins(cfg.HTTP.PublicURL)}
		if err := checkFree(host, e.WebsocketPort, "nats.embedded.websocket_port"); err != nil {
			return nil, err
		}
	}
	users, servicePW, err := embeddedUsers(cfg)
	if err != nil {
		return nil, fmt.Errorf("start embedded NATS: %w", err)
	}
	opts.Users = users
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("start embedded NATS: %w", err)
	}
	sl := &serverLogger{logger: logger}
	ns.SetLoggerV2(sl, false, false, false)
	ns.Start()
	if err := waitReady(ctx, ns, sl); err != nil {
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, fmt.Errorf("start embedded NATS (client %s, store %s): %w", listenAddr(opts), opts.StoreDir, err)
	}
	b := &Broker{ns: ns, wsPort: e.WebsocketPort, logger: logger, closed: make(chan struct{})}
	copts := []nats.Option{nats.InProcessServer(ns), nats.Name("escucha"),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) })}
	if servicePW != "" {
		copts = append(copts, nats.UserInfo(ServiceUser, servicePW))
	}
	nc, err := nats.Connect("", copts...)
	if err != nil {
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, fmt.Errorf("connect to embedded NATS: %w", err)
	}
	b.nc = nc
	logger.Info("embedded NATS started", "client_url", b.ClientURL(), "websocket_url", b.WebsocketURL(),
		"store_dir", opts.StoreDir, "auth_required", len(users) > 0)
	return b, nil
}

// checkFree reports a clear error when host:port cannot be listened on.
// The embedded server only logs such failures, so it is checked first.
func checkFree(host string, port int, key string) error {
	if port <= 0 {
		return nil
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("start embedded NATS: %s: cannot listen on %s (is another NATS or escucha running?): %w", key, addr, err)
	}
	return l.Close()
}

func listenAddr(o *server.Options) string {
	if o.DontListen {
		return "in-process only"
	}
	return net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
}

// waitReady waits until the server accepts connections, it logs a fatal
// error, or ctx ends.
func waitReady(ctx context.Context, ns *server.Server, sl *serverLogger) error {
	deadline := time.Now().Add(brokerReadyTimeout)
	for {
		if msg := sl.fatal(); msg != "" {
			return errors.New(msg)
		}
		if ns.ReadyForConnections(20 * time.Millisecond) {
			if msg := sl.fatal(); msg != "" {
				return errors.New(msg)
			}
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s", brokerReadyTimeout)
		}
	}
}

func connectExternal(ctx context.Context, nc config.NATS, logger *slog.Logger) (*Broker, error) {
	b := &Broker{logger: logger, closed: make(chan struct{})}
	opts := []nats.Option{
		nats.Name("escucha"),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(2 * time.Second),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }),
		nats.ConnectHandler(func(c *nats.Conn) {
			logger.Info("NATS connected", "url", c.ConnectedUrlRedacted())
		}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			logger.Warn("NATS disconnected", "err", err)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			logger.Info("NATS reconnected", "url", c.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			logger.Warn("NATS error", "err", err)
		}),
	}
	switch {
	case nc.CredsFile != "" && (nc.User != "" || nc.Password.IsSet()):
		return nil, errors.New("connect to NATS: set either nats.creds_file or nats.user/nats.password, not both")
	case nc.CredsFile != "":
		opts = append(opts, nats.UserCredentials(nc.CredsFile))
	case nc.User != "" || nc.Password.IsSet():
		pass, err := nc.Password.Resolve()
		if err != nil {
			return nil, fmt.Errorf("connect to NATS: nats.password: %w", err)
		}
		opts = append(opts, nats.UserInfo(nc.User, pass))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	conn, err := nats.Connect(nc.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS %s: %w", config.RedactURL(nc.URL), err)
	}
	b.nc = conn
	if !conn.IsConnected() {
		logger.Warn("NATS not reachable yet; retrying in the background", "url", config.RedactURL(nc.URL))
	}
	return b, nil
}

// Conn returns the broker's client connection.
func (b *Broker) Conn() *nats.Conn { return b.nc }

// Server returns the embedded server, or nil when connected to an external
// one.
func (b *Broker) Server() *server.Server { return b.ns }

// Connected reports whether the connection to NATS is up (for readiness).
func (b *Broker) Connected() bool { return b.nc != nil && b.nc.IsConnected() }

// ClientURL returns a URL that tools such as `nats sub` can connect to: the
// embedded server's client listener (a wildcard host becomes 127.0.0.1), the
// external server's URL without credentials, or "" when the embedded server
// listens on no TCP port.
func (b *Broker) ClientURL() string {
	if b.ns == nil {
		if b.nc == nil {
			return ""
		}
		if u := b.nc.ConnectedUrlRedacted(); u != "" {
			return u
		}
		return ""
	}
	addr, ok := b.ns.Addr().(*net.TCPAddr)
	if !ok || addr == nil {
		return ""
	}
	return "nats://" + reachable(addr)
}

// WebsocketURL returns the ws:// URL of the embedded server's WebSocket
// listener, or "" when there is none.
func (b *Broker) WebsocketURL() string {
	if b.ns == nil || b.wsPort == 0 {
		return ""
	}
	u, err := url.Parse(b.ns.WebsocketURL())
	if err != nil {
		return ""
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	u.Host = net.JoinHostPort(host, port)
	return u.String()
}

func reachable(a *net.TCPAddr) string {
	ip := a.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(a.Port))
}

// Close drains the connection (pending publishes are flushed, subscriptions
// finish their in-flight messages), then shuts the embedded server down and
// waits for it. It is safe to call more than once.
func (b *Broker) Close() error {
	b.once.Do(func() {
		if b.nc != nil {
			switch err := b.nc.Drain(); {
			case err == nil, errors.Is(err, nats.ErrConnectionClosed):
			case errors.Is(err, nats.ErrConnectionReconnecting):
				// Nothing can be flushed to a server that is not there.
				b.nc.Close()
			default:
				b.closeErr = fmt.Errorf("drain NATS connection: %w", err)
				b.nc.Close()
			}
			select {
			case <-b.closed:
			case <-time.After(10 * time.Second):
				b.nc.Close()
			}
		}
		if b.ns != nil {
			b.ns.Shutdown()
			b.ns.WaitForShutdown()
			b.logger.Info("embedded NATS stopped")
		}
	})
	return b.closeErr
}

// serverLogger forwards the embedded server's log lines to slog and
// remembers the first fatal one, which the server only logs.
type serverLogger struct {
	logger *slog.Logger
	mu     sync.Mutex
	first  string
}

func (l *serverLogger) fatal() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.first
}

// Noticef logs at debug level: the server's notices are start-up chatter.
func (l *serverLogger) Noticef(format string, v ...any) {
	l.logger.Debug(fmt.Sprintf(format, v...))
}

// Warnf logs at warn level.
func (l *serverLogger) Warnf(format string, v ...any) { l.logger.Warn(fmt.Sprintf(format, v...)) }

// Fatalf logs at error level and records the message; it never exits.
func (l *serverLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.mu.Lock()
	if l.first == "" {
		l.first = msg
	}
	l.mu.Unlock()
	l.logger.Error(msg)
}

// Errorf logs at error level.
func (l *serverLogger) Errorf(format string, v ...any) { l.logger.Error(fmt.Sprintf(format, v...)) }

// Debugf logs at debug level.
func (l *serverLogger) Debugf(format string, v ...any) { l.logger.Debug(fmt.Sprintf(format, v...)) }

// Tracef logs at debug level.
func (l *serverLogger) Tracef(format string, v ...any) { l.logger.Debug(fmt.Sprintf(format, v...)) }

// NATS users of the embedded server when it requires authentication.
// Recipient ids are subject tokens and cannot contain '$', so these names
// never collide with a recipient's user.
const (
	// ServiceUser is escucha's own in-process connection; its password is
	// random, made at every start and never leaves the process.
	ServiceUser = "$escucha"
	// LocalUser may send actions and ask for reports (`escucha ack`,
	// `escucha report` while the daemon runs); its
	// password is kept in <data_dir>/nats-local.password (mode 0600), so
	// only whoever can read the data dir (and so the store) can use it.
	LocalUser = "$escucha-local"
	// localPasswordFile is LocalUser's password file under the data dir.
	localPasswordFile = "nats-local.password"
)

// AuthRequired reports whether the embedded server for cfg requires
// credentials: when a recipient has a password or nats.user is set.
func AuthRequired(cfg config.Config) bool {
	if cfg.NATS.User != "" {
		return true
	}
	for _, r := range cfg.Recipients {
		if r.Password.IsSet() {
			return true
		}
	}
	return false
}

// RecipientPermissions returns the NATS permissions of a recipient's user:
// subscribe only to <prefix>.alerts.<r> and to its own reply inbox
// _INBOX_<r>.> (the client sets that inbox prefix), publish only to
// <prefix>.actions.<r>. The server refuses anything else.
func RecipientPermissions(prefix, recipient string) *server.Permissions {
	if prefix == "" {
		prefix = defaultPrefix
	}
	return &server.Permissions{
		Publish: &server.SubjectPermission{Allow: []string{prefix + ".actions." + recipient}},
		Subscribe: &server.SubjectPermission{Allow: []string{
			prefix + ".alerts." + recipient,
			InboxPrefix(recipient) + ".>",
		}},
	}
}

// InboxPrefix is the reply-inbox prefix a recipient's client must use
// (nats.CustomInboxPrefix), since its user may subscribe to no other inbox.
func InboxPrefix(recipient string) string { return "_INBOX_" + recipient }

// embeddedUsers returns the users of the embedded server, or none when
// no authentication is required, and the service user's password.
//
//   - ServiceUser: all permissions, random password (in-process only).
//   - nats.user / nats.password: all permissions, for operators' tools
//     (`nats sub`) and the CLI.
//   - LocalUser: publish <prefix>.actions.>, subscribe _INBOX.>, for the
//     CLI without nats.user.
//   - each recipient with a password: RecipientPermissions.
func embeddedUsers(cfg config.Config) ([]*server.User, string, error) {
	if !AuthRequired(cfg) {
		return nil, "", nil
	}
	prefix := cfg.NATS.Prefix
	if prefix == "" {
		prefix = defaultPrefix
	}
	service, err := randomSecret()
	if err != nil {
		return nil, "", err
	}
	local, err := localPassword(cfg.DataDir)
	if err != nil {
		return nil, "", err
	}
	users := []*server.User{
		{Username: ServiceUser, Password: service},
		{Username: LocalUser, Password: local, Permissions: &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: []string{prefix + ".actions.>", prefix + ".api.>"}},
			Subscribe: &server.SubjectPermission{Allow: []string{"_INBOX.>"}},
		}},
	}
	if cfg.NATS.User != "" {
		pw, err := cfg.NATS.Password.Resolve()
		if err != nil {
			return nil, "", fmt.Errorf("nats.password: %w", err)
		}
		if pw == "" {
			return nil, "", errors.New("nats.user is set but nats.password is empty")
		}
		users = append(users, &server.User{Username: cfg.NATS.User, Password: pw})
	}
	names := make([]string, 0, len(cfg.Recipients))
	for id, r := range cfg.Recipients {
		if r.Password.IsSet() {
			names = append(names, id)
		}
	}
	slices.Sort(names)
	for _, id := range names {
		if !validToken(id) {
			return nil, "", fmt.Errorf("recipients.%s: not a NATS subject token", id)
		}
		pw, err := cfg.Recipients[id].Password.Resolve()
		if err != nil {
			return nil, "", fmt.Errorf("recipients.%s.password: %w", id, err)
		}
		if pw == "" {
			return nil, "", fmt.Errorf("recipients.%s.password: the secret %s is empty", id, cfg.Recipients[id].Password)
		}
		users = append(users, &server.User{Username: id, Password: pw, Permissions: RecipientPermissions(prefix, id)})
	}
	return users, service, nil
}

// LocalCredentials returns LocalUser and its password from the data dir,
// for the CLI to reach a running daemon whose embedded server requires
// authentication. A missing file gives an error wrapping fs.ErrNotExist.
func LocalCredentials(dataDir string) (user, password string, err error) {
	data, err := os.ReadFile(filepath.Join(dataDir, localPasswordFile))
	if err != nil {
		return "", "", fmt.Errorf("read local NATS credentials: %w", err)
	}
	return LocalUser, strings.TrimSpace(string(data)), nil
}

// localPassword reads LocalUser's password, creating the file (0600) with
// a random one the first time.
func localPassword(dataDir string) (string, error) {
	if _, pw, err := LocalCredentials(dataDir); err == nil && pw != "" {
		return pw, nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	pw, err := randomSecret()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("create data dir: %w", err)
	}
	path := filepath.Join(dataDir, localPasswordFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(pw+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write local NATS credentials: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("write local NATS credentials: %w", err)
	}
	return pw, nil
}

func randomSecret() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate secret: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// allowedOrigins returns the browser origins that may open the WebSocket:
// that of http.public_url, and its localhost/127.0.0.1 twin. None (any
// origin) when public_url is unset or unparsable.
func allowedOrigins(publicURL string) []string {
	u, err := url.Parse(publicURL)
	if publicURL == "" || err != nil || u.Host == "" {
		return nil
	}
	out := []string{u.Scheme + "://" + u.Host}
	host, port := u.Hostname(), u.Port()
	twin := map[string]string{"127.0.0.1": "localhost", "localhost": "127.0.0.1"}[host]
	if twin != "" {
		if port != "" {
			twin = net.JoinHostPort(twin, port)
		}
		out = append(out, u.Scheme+"://"+twin)
	}
	return out
}
