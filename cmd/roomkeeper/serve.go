package main

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/roomkeeper/roomkeeper/shared/access"
	"github.com/roomkeeper/roomkeeper/shared/config"
	"github.com/roomkeeper/roomkeeper/shared/httpapi/webhook"
	"github.com/roomkeeper/roomkeeper/shared/stdwebhook"
)

func serve(ctx context.Context, args []string) error {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	if err := fl.Parse(args); err != nil {
		return err
	}
	cfg, err := config.FromEnv(os.LookupEnv)
	if err != nil {
		return err
	}
	if err := requireLoopback(cfg.Addr); err != nil {
		return err
	}
	secrets, err := devSecrets(&cfg)
	if err != nil {
		return err
	}
	// A guessable admin token is refused before anything listens (on AWS, when it is first read).
	if err := access.CheckToken(access.AdminToken, cfg.AdminToken); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	a, err := newApp(cfg, time.Now, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer a.Close()

	fmt.Printf("roomkeeper is running at %s\n", cfg.PublicURL)
	fmt.Printf("  console: %s/console (sign in with ROOMKEEPER_ADMIN_TOKEN)\n", cfg.PublicURL)
	fmt.Printf("  outbox:  %s/outbox\n", cfg.PublicURL)
	if a.sandbox != nil {
		fmt.Printf("  Whereby: sandbox at %s/sandbox/whereby/v1 (set WHEREBY_API_KEY to use the real API)\n", cfg.PublicURL)
	} else {
		fmt.Printf("  Whereby: %s\n", cfg.Whereby.APIURL)
	}
	if len(secrets) > 0 {
		fmt.Printf("Development secrets (kept in %s; set the variables to use your own):\n", secretsPath(cfg))
		for _, s := range secrets {
			fmt.Printf("  %s=%s\n", s.name, s.value)
		}
	}

	srv := newServer(a.handler, localTimeouts())
	go a.run(ctx)
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serverTimeouts bound how long the local server waits on a client: for a request's headers, for
// the whole request (so a body that stalls is cut off), for the handler's answer, and for the
// next request on a kept-alive connection. A client that stalls is disconnected.
type serverTimeouts struct{ readHeader, read, write, idle time.Duration }

// localTimeouts are the local server's: requests are small (a webhook's body is at most
// httpapi.MaxBody, on loopback), and the slowest handler, the admin API's room creation, waits
// 5 s for the provider at most.
func localTimeouts() serverTimeouts {
	return serverTimeouts{readHeader: 5 * time.Second, read: 10 * time.Second, write: 30 * time.Second, idle: time.Minute}
}

func newServer(h http.Handler, t serverTimeouts) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: t.readHeader, ReadTimeout: t.read, WriteTimeout: t.write, IdleTimeout: t.idle}
}

// requireLoopback keeps the local server, with its sandbox and outbox, off the network.
func requireLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("ROOMKEEPER_ADDR %q: the local server listens on loopback only (127.0.0.1, ::1 or localhost)", addr)
}

type namedSecret struct{ name, value string }

func secretsPath(cfg config.Config) string { return filepath.Join(cfg.DataDir, "dev-secrets.json") }

// devSecrets fills the secrets left unset in cfg from the data directory, generating and saving
// any that are missing, so `make dev` needs no set-up. It returns the secrets it supplied.
func devSecrets(cfg *config.Config) ([]namedSecret, error) {
	path := secretsPath(*cfg)
	saved := map[string]string{}
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &saved); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var supplied []namedSecret
	changed := false
	// The other booking sources' secrets are not part of config.Config: the local server reads
	// them as `send` does (sourceSecret), from the environment or from this file.
	calcomSecret, calendlyKey, cronofySecrets := os.Getenv(webhook.CalcomSecret), os.Getenv(webhook.CalendlySecret), os.Getenv(webhook.CronofySecret)
	for _, s := range []struct {
		name string
		dst  *string
		gen  func() (string, error)
	}{
		{"ROOMKEEPER_GENERIC_SECRET", &cfg.GenericSecret, stdwebhook.NewSecret},
		{"ROOMKEEPER_ADMIN_TOKEN", &cfg.AdminToken, randomToken},
		{"WHEREBY_WEBHOOK_SECRET", &cfg.Whereby.WebhookSecret, randomToken},
		{"ROOMKEEPER_HOST_SECRET", &cfg.HostSecret, randomToken},
		{"ROOMKEEPER_LINK_SECRET", &cfg.LinkSecret, randomToken},
		{webhook.CalcomSecret, &calcomSecret, randomToken},
		{webhook.CalendlySecret, &calendlyKey, randomToken},
		{webhook.CronofySecret, &cronofySecrets, randomToken},
		// Not a secret, but generated once like them: the rooms this server makes carry it.
		{"ROOMKEEPER_DEPLOYMENT", &cfg.Deployment, randomDeployment},
	} {
		if *s.dst != "" {
			continue
		}
		v := saved[s.name]
		if v == "" {
			if v, err = s.gen(); err != nil {
				return nil, fmt.Errorf("generate %s: %w", s.name, err)
			}
			saved[s.name] = v
			changed = true
		}
		*s.dst = v
		supplied = append(supplied, namedSecret{s.name, v})
	}
	if changed {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, err
		}
		out, _ := json.MarshalIndent(saved, "", "  ")
		if err := os.WriteFile(path, out, 0o600); err != nil {
			return nil, fmt.Errorf("save %s: %w", path, err)
		}
	}
	return supplied, nil
}

// loadDevSecret reads one secret the way serve supplies it: the environment (getenv) first, then
// the data directory.
func loadDevSecret(cfg config.Config, getenv func(string) string, name string) (string, error) {
	if v := getenv(name); v != "" {
		return v, nil
	}
	raw, err := os.ReadFile(secretsPath(cfg))
	if err != nil {
		return "", fmt.Errorf("no %s set and no %s: start `make dev` first: %w", name, secretsPath(cfg), err)
	}
	saved := map[string]string{}
	if err := json.Unmarshal(raw, &saved); err != nil {
		return "", fmt.Errorf("read %s: %w", secretsPath(cfg), err)
	}
	if saved[name] == "" {
		return "", fmt.Errorf("%s has no %s", secretsPath(cfg), name)
	}
	return saved[name], nil
}

// randomDeployment returns a deployment id for a local server: "local-" and 8 random characters,
// so two laptops sharing a provider account keep to their own rooms.
func randomDeployment() (string, error) {
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "local-" + strings.ToLower(base32.StdEncoding.EncodeToString(b[:])), nil
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
