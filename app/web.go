package app

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/escucha/escucha/notifier"
	"github.com/escucha/escucha/web"
	"github.com/escucha/escucha/web/mobile"
)

// startDelivery runs the push gateways (ntfy, webhook, Web Push) and
// builds the mobile page, which shares their signing key.
func (a *App) startDelivery(ctx context.Context) (http.Handler, map[string]http.Handler, error) {
	cfg := a.cfg
	key, err := notifier.LoadActionKey(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("action key: %w", err)
	}
	vapid, err := notifier.LoadVAPIDKeys(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("web push keys: %w", err)
	}
	gw, err := notifier.NewGateways(notifier.GatewayOptions{
		Conn: a.broker.Conn(), Config: cfg, Store: a.store, Subscriptions: a.store,
		ActionKey: key, VAPID: vapid, HTTPClient: a.opts.HTTPClient,
		Logger: a.log.With("component", "gateways"), Registerer: a.reg, Now: a.now,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("push gateways: %w", err)
	}
	a.goRun("gateways", ctx, gw.Run)

	m, err := mobile.New(mobile.Options{
		Config: cfg, Store: a.store, Act: a.notifier.Act, ActionKey: key,
		WebsocketURL: a.broker.WebsocketURL(), VAPIDPublicKey: vapid.Public,
		Logger: a.log.With("component", "mobile"), Now: a.now,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("mobile page: %w", err)
	}
	routes := m.Routes()
	mob := routes["/m/"]
	delete(routes, "/m/")
	return mob, routes, nil
}

// startWeb serves the review inbox, reports, the mobile page, metrics and
// health on http.addr. The listener is opened here so that an address in
// use fails Start with an error naming it.
func (a *App) startWeb(ctx context.Context, mob http.Handler, extra map[string]http.Handler) error {
	cfg := a.cfg
	srv, err := web.New(web.Options{
		Config: cfg, Store: a.store, Registry: a.reg, Ready: a.Ready, Act: a.notifier.Act,
		NATS: a.broker.Conn(), Prefix: cfg.NATS.Prefix, Mobile: mob, Extra: extra,
		Logger: a.log, Now: a.now, // web.New adds component=web
	})
	if err != nil {
		return fmt.Errorf("web server: %w", err)
	}
	a.web = srv
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("http.addr: cannot listen on %s: %w", cfg.HTTP.Addr, err)
	}
	a.httpAddr = ln.Addr().String()
	a.goRun("http", ctx, func(ctx context.Context) error { return srv.Serve(ctx, ln, nil) })
	return nil
}

// HTTPAddr returns the address the web server listens on ("" if none).
func (a *App) HTTPAddr() string { return a.httpAddr }

// DemoCredentials returns the login created for the demo's review inbox,
// if one was created.
func (a *App) DemoCredentials() (login, password string) {
	if a.web == nil {
		return "", ""
	}
	return a.web.DemoCredentials()
}
