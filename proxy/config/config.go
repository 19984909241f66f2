// Package config loads Freelane's settings from the process environment and
// <home>/.env, resolves the home folder, flips debug mode through the
// DEBUG_MODE.txt switch file, and watches the home folder so edits apply
// without a restart.
//
// Precedence, strongest first: the process environment (an empty value counts
// as unset), <home>/.env, built-in defaults. The .env file is parsed into a map
// and never copied into the process environment, so reloading it cannot shadow
// a later edit.
package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"time"
)

// Names of the files Freelane keeps in its home folder.
const (
	EnvFileName   = ".env"
	DebugFileName = "DEBUG_MODE.txt"
)

// Config is one consistent snapshot of Freelane's settings.
type Config struct {
	Home    string // the home folder every relative path is resolved against
	EnvFile string // <home>/.env, whether or not it exists

	APIKey     string // OPENROUTER_API_KEY; empty until the user sets one
	BaseURL    string // OPENROUTER_BASE_URL, without a trailing slash
	ListenAddr string // LISTEN_ADDR, host:port
	CacheDir   string // CACHE_DIR, absolute

	HTTPProxy  string // HTTP_PROXY, else http_proxy
	HTTPSProxy string // HTTPS_PROXY, else https_proxy
	NoProxy    string // NO_PROXY, else no_proxy

	MaxConcurrent     int           // MAX_CONCURRENT_REQUESTS
	QueueTimeout      time.Duration // QUEUE_TIMEOUT: longest wait for a concurrency slot
	MaxQueued         int           // MAX_QUEUED_REQUESTS: calls that may wait for a slot
	MaxQueuedBytes    int64         // MAX_QUEUED_BODY_MB, in bytes: body bytes the waiting calls may hold
	PreferredModels   []string      // PREFERRED_MODELS, trimmed and deduplicated
	MaxModelAttempts  int           // MAX_MODEL_ATTEMPTS
	FirstTokenTimeout time.Duration // FIRST_TOKEN_TIMEOUT: a model silent this long is stalled
	RequestTimeout    time.Duration // REQUEST_TIMEOUT: a whole non-stream attempt
	StreamIdleTimeout time.Duration // STREAM_IDLE_TIMEOUT: longest gap between stream events
	CatalogRefresh    time.Duration // CATALOG_REFRESH
	MaxBodyBytes      int64         // MAX_REQUEST_BODY_MB, in bytes

	Token          string   // FREELANE_TOKEN; required when listening off loopback
	AllowedOrigins []string // ALLOWED_ORIGINS, normalised scheme://host[:port]

	DebugMaxBytes int64         // DEBUG_MAX_MB, in bytes
	DebugMaxAge   time.Duration // DEBUG_MAX_DAYS, as a duration
	LogLevel      slog.Level    // LOG_LEVEL

	// ClaudeModels pins a free model per Claude family ("opus", "sonnet",
	// "haiku") for the Anthropic Messages API: CLAUDE_OPUS_MODEL, ...
	ClaudeModels map[string]string

	// Language is LANGUAGE from .env ("en", "zh-CN"); empty follows the
	// system's language.
	Language string
}

// DebugDir is where debug-mode call captures are written.
func (c Config) DebugDir() string {
	return filepath.Join(c.CacheDir, "debug")
}

// Loopback reports whether ListenAddr binds only to a loopback address.
func (c Config) Loopback() bool {
	host, _, err := net.SplitHostPort(c.ListenAddr)
	if err != nil {
		return false
	}
	return isLoopbackHost(host)
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// KeyFingerprint identifies the API key without revealing it, e.g.
// "sk-or-…90ab". It returns "" when no key is set and only "…" for keys too
// short to show any part of safely.
func (c Config) KeyFingerprint() string {
	return fingerprint(c.APIKey)
}

func fingerprint(secret string) string {
	const prefixLen, suffixLen, minLen = 6, 4, 16
	switch {
	case secret == "":
		return ""
	case len(secret) < minLen:
		return "…"
	default:
		return secret[:prefixLen] + "…" + secret[len(secret)-suffixLen:]
	}
}

// LogValue renders the configuration for slog with the API key reduced to its
// fingerprint, the token to set/unset and proxy passwords masked.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(c.attrs()...)
}

// String renders the configuration as space-separated key=value pairs, with
// the same masking as LogValue.
func (c Config) String() string {
	var b strings.Builder
	for i, a := range c.attrs() {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", a.Key, a.Value)
	}
	return b.String()
}

func (c Config) attrs() []slog.Attr {
	apiKey := "unset"
	if c.APIKey != "" {
		apiKey = c.KeyFingerprint()
	}
	token := "unset"
	if c.Token != "" {
		token = "set"
	}
	return []slog.Attr{
		slog.String("home", c.Home),
		slog.String("env_file", c.EnvFile),
		slog.String("api_key", apiKey),
		slog.String("base_url", c.BaseURL),
		slog.String("listen_addr", c.ListenAddr),
		slog.String("cache_dir", c.CacheDir),
		slog.String("http_proxy", redactURL(c.HTTPProxy)),
		slog.String("https_proxy", redactURL(c.HTTPSProxy)),
		slog.String("no_proxy", c.NoProxy),
		slog.Int("max_concurrent", c.MaxConcurrent),
		slog.Duration("queue_timeout", c.QueueTimeout),
		slog.Int("max_queued", c.MaxQueued),
		slog.Int64("max_queued_bytes", c.MaxQueuedBytes),
		slog.String("preferred_models", strings.Join(c.PreferredModels, ",")),
		slog.String("claude_models", claudeModels(c.ClaudeModels)),
		slog.Int("max_model_attempts", c.MaxModelAttempts),
		slog.Duration("first_token_timeout", c.FirstTokenTimeout),
		slog.Duration("request_timeout", c.RequestTimeout),
		slog.Duration("stream_idle_timeout", c.StreamIdleTimeout),
		slog.Duration("catalog_refresh", c.CatalogRefresh),
		slog.Int64("max_body_bytes", c.MaxBodyBytes),
		slog.String("token", token),
		slog.String("allowed_origins", strings.Join(c.AllowedOrigins, ",")),
		slog.Int64("debug_max_bytes", c.DebugMaxBytes),
		slog.Duration("debug_max_age", c.DebugMaxAge),
		slog.String("log_level", c.LogLevel.String()),
	}
}

// redactURL masks the password of a proxy URL. A value that does not parse is
// hidden entirely, because it may still hold credentials.
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := parseProxyURL(raw)
	if err != nil {
		return "[unparsable]"
	}
	return u.Redacted()
}

// parseProxyURL accepts the forms net/http's proxy support accepts, including
// a bare host:port, which means http.
func parseProxyURL(raw string) (*url.URL, error) {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	return url.Parse(raw)
}

// Equal reports whether two loaded configs are identical, so one already
// in use is not applied again. Load never produces empty non-nil slices, so
// a deep comparison is exact and stays correct when fields are added.
func (c Config) Equal(o Config) bool {
	return reflect.DeepEqual(c, o)
}

// GoString keeps %#v from printing the key and token.
func (c Config) GoString() string {
	return "config.Config{" + c.String() + "}"
}

// claudeModels renders the per-family pins in a stable order.
func claudeModels(pins map[string]string) string {
	var parts []string
	for _, f := range ClaudeFamilies {
		if pins[f] != "" {
			parts = append(parts, f+"="+pins[f])
		}
	}
	return strings.Join(parts, ",")
}
