// Package testutil holds helpers shared by escucha's tests: real embedded
// servers and stores in temporary directories, never mocks of our own code.
// It is imported only from _test.go files.
package testutil

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// RunJetStream starts an embedded NATS server with JetStream on a random
// loopback port, its store in t.TempDir(), and connects a client to it over
// TCP. Both are closed in t.Cleanup.
func RunJetStream(t testing.TB) (*server.Server, *nats.Conn) {
	t.Helper()
	ns := RunJetStreamServer(t, t.TempDir(), -1)
	nc, err := nats.Connect(ns.ClientURL(), nats.Name(t.Name()))
	if err != nil {
		t.Fatalf("connect to embedded NATS: %v", err)
	}
	t.Cleanup(nc.Close)
	return ns, nc
}

// RunJetStreamServer starts an embedded NATS server with JetStream storing in
// storeDir and listening on 127.0.0.1:port (-1 picks a free port). Start a
// second server on the same storeDir and port after shutting the first one
// down to simulate a broker restart. The server is shut down in t.Cleanup.
func RunJetStreamServer(t testing.TB, storeDir string, port int) *server.Server {
	t.Helper()
	opts := &server.Options{
		ServerName: "escucha-test",
		Host:       "127.0.0.1",
		Port:       port,
		JetStream:  true,
		StoreDir:   storeDir,
		NoSigs:     true,
		NoLog:      true,
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("new embedded NATS: %v", err)
	}
	ns.Start()
	t.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatalf("embedded NATS on %s not ready", ns.ClientURL())
	}
	return ns
}
