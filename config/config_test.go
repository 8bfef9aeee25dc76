package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"
)

func TestDefaultWithDemoIsValid(t *testing.T) {
	cfg, err := Load(LoadOptions{Demo: true})
	require.NoError(t, err)
	require.Equal(t, "Volta", cfg.Brand.Name)
	require.Len(t, cfg.Sources, 1)
	require.Equal(t, "demo", cfg.Sources[0].Type)
	require.Equal(t, time.Second, cfg.Sources[0].Interval)
}

func TestDefaultWithoutSourceNamesSources(t *testing.T) {
	_, err := Load(LoadOptions{})
	requireKeys(t, err, "sources")
}

func TestAllowNoSources(t *testing.T) {
	cfg, err := Load(LoadOptions{AllowNoSources: true})
	require.NoError(t, err)
	require.Empty(t, cfg.Sources)
}

func TestExampleLoads(t *testing.T) {
	t.Setenv("ESCUCHA_X_BEARER_TOKEN", "tok-123")
	cfg, err := Load(LoadOptions{File: "example.yaml"})
	require.NoError(t, err)
	require.Equal(t, "Elena Ruiz", cfg.CEO.Name)
	require.Len(t, cfg.Routes, 3)
	require.Len(t, cfg.Recipients, 2, "recipients from the file replace the defaults")
	tok, err := cfg.Sources[0].X.BearerToken.Resolve()
	require.NoError(t, err)
	require.Equal(t, "tok-123", tok)
}

func TestRejectedFiles(t *testing.T) {
	t.Setenv("ESCUCHA_TEST_UNSET_TOKEN", "")
	cases := map[string][]string{
		"unknown-key.yaml":         {"nats.urll"},
		"wrong-type.yaml":          {"classifier.threshold"},
		"wrong-duration.yaml":      {"sources[0].interval"},
		"missing-brand.yaml":       {"brand.name"},
		"undefined-recipient.yaml": {"routes[0].recipients[1]"},
		"bad-values.yaml": {"language", "http.addr", "classifier.suggestions", "sources[0].x.max_results",
			"sources[0].x.bearer_token", "sources[1].name", "sources[1].type"},
	}
	for file, keys := range cases {
		t.Run(file, func(t *testing.T) {
			_, err := Load(LoadOptions{File: filepath.Join("testdata", file)})
			requireKeys(t, err, keys...)
			for _, k := range keys {
				require.Contains(t, err.Error(), k)
			}
		})
	}
}

func TestEnvAndFlagsOverrideFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	require.NoError(t, os.WriteFile(file, []byte("brand: {name: Volta}\nsources: [{name: demo, type: demo}]\nnats: {url: nats://file:4222}\nhttp: {addr: 127.0.0.1:1}\n"), 0o600))
	t.Setenv("ESCUCHA_NATS_URL", "nats://env:4222")
	t.Setenv("ESCUCHA_HTTP_ADDR", "127.0.0.1:2")
	t.Setenv("ESCUCHA_CLASSIFIER_THRESHOLD", "0.7")
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.String("http-addr", "", "")
	fs.String("suggestions", "", "")
	require.NoError(t, fs.Parse([]string{"--http-addr", "127.0.0.1:3", "--suggestions", "any"}))
	cfg, err := Load(LoadOptions{File: file, Flags: fs})
	require.NoError(t, err)
	require.Equal(t, "nats://env:4222", cfg.NATS.URL)
	require.Equal(t, "127.0.0.1:3", cfg.HTTP.Addr)
	require.InDelta(t, 0.7, cfg.Classifier.Threshold, 1e-9)
	require.Equal(t, "any", cfg.Classifier.Suggestions)
}

func TestEnvWrongTypeNamesKey(t *testing.T) {
	t.Setenv("ESCUCHA_CLASSIFIER_THRESHOLD", "high")
	_, err := Load(LoadOptions{Demo: true})
	requireKeys(t, err, "classifier.threshold")
}

func TestSecretsNeverPrinted(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "tok")
	require.NoError(t, os.WriteFile(secret, []byte("s3cr3t-token\n"), 0o600))
	t.Setenv("ESCUCHA_TEST_NATS_PW", "pa55word")
	cfg := Default()
	cfg.NATS.Password = SecretRef{Env: "ESCUCHA_TEST_NATS_PW"}
	cfg.Sources = []Source{DefaultSource(Source{Name: "x", Type: "x", X: XSource{BearerToken: SecretRef{File: secret}}})}
	tok, err := cfg.Sources[0].X.BearerToken.Resolve()
	require.NoError(t, err)
	require.Equal(t, "s3cr3t-token", tok)
	for _, s := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprint(cfg.NATS.Password)} {
		require.NotContains(t, s, "s3cr3t-token")
		require.NotContains(t, s, "pa55word")
	}
}

func TestNATSURLWithPasswordRejectedAndRedacted(t *testing.T) {
	cfg := Default()
	cfg.Demo = true
	cfg.applyDefaults()
	cfg.NATS.URL = "nats://escucha:hunter2@127.0.0.1:4222"
	err := cfg.Validate()
	requireKeys(t, err, "nats.url")
	require.NotContains(t, err.Error(), "hunter2")
}

func requireKeys(t *testing.T, err error, keys ...string) {
	t.Helper()
	require.Error(t, err)
	got := map[string]bool{}
	for _, e := range Errors(err) {
		got[e.Key] = true
	}
	for _, k := range keys {
		require.Truef(t, got[k], "no error names %q; got: %v", k, err)
	}
	var ce *Error
	require.True(t, errors.As(err, &ce), "errors are *config.Error")
	require.False(t, strings.Contains(err.Error(), "%!"), err.Error())
}

// Alert links follow http.addr unless http.public_url is set.
func TestPublicURLFollowsAddr(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{nil, "http://127.0.0.1:8080"},
		{map[string]string{"ESCUCHA_HTTP_ADDR": "127.0.0.1:18080"}, "http://127.0.0.1:18080"},
		{map[string]string{"ESCUCHA_HTTP_ADDR": "0.0.0.0:9000"}, "http://127.0.0.1:9000"},
		{map[string]string{"ESCUCHA_HTTP_ADDR": ":9001"}, "http://127.0.0.1:9001"},
		{map[string]string{"ESCUCHA_HTTP_ADDR": "[::]:9002"}, "http://127.0.0.1:9002"},
		{map[string]string{"ESCUCHA_HTTP_ADDR": "0.0.0.0:8080", "ESCUCHA_HTTP_PUBLIC_URL": "https://escucha.example.com"}, "https://escucha.example.com"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			cfg, err := Load(LoadOptions{Demo: true})
			require.NoError(t, err)
			require.Equal(t, c.want, cfg.HTTP.PublicURL)
		})
	}
}
