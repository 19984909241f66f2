package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"

	"github.com/freelane/freelane/assets/locale"
)

// Where a setting's value came from, as named in error messages.
const (
	fromEnvironment = "environment"
	fromEnvFile     = ".env"
	fromDefault     = "default"
)

// maxDuration bounds every duration setting: far above any sensible value,
// and low enough that plain seconds cannot overflow time.Duration.
const maxDuration = 7 * 24 * time.Hour

// FieldError reports one invalid setting. Value is empty for secrets, which
// must never be echoed.
type FieldError struct {
	Key    string
	Value  string
	Source string // "environment", ".env" or "default"
	Err    error
}

func (e *FieldError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("%s (from %s): %v", e.Key, e.Source, e.Err)
	}
	return fmt.Sprintf("%s=%q (from %s): %v", e.Key, e.Value, e.Source, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// valueKind says how a setting's value may be shown in errors.
type valueKind int

const (
	plainValue  valueKind = iota
	secretValue           // never shown
	proxyValue            // shown with its password masked
	urlValue              // an http(s) URL, shown with its password masked
)

type setting struct {
	key string
	// lowercase is also read when key is unset or empty: the proxy variables
	// are often exported only in lowercase on Linux, and Go's net/http reads
	// both spellings, uppercase first.
	lowercase bool
	// fileOnly settings are read from .env alone: the environment variable
	// of the same name means something else there (GNU LANGUAGE is the
	// system's language list, which Freelane already follows by default).
	fileOnly bool
	def      string
	kind     valueKind
	apply    func(c *Config, value string) error
}

// settings lists every key Freelane reads, in the order .env.example
// documents them. Defaults are strings so they go through the same parsing
// as user values.
var settings = []setting{
	{key: "OPENROUTER_API_KEY", kind: secretValue, apply: func(c *Config, v string) error {
		// It travels in a request header, where a line break could add
		// headers of its own.
		if strings.ContainsAny(v, "\r\n\t ") {
			return errors.New("must not contain spaces or line breaks")
		}
		c.APIKey = v
		return nil
	}},
	{key: "OPENROUTER_BASE_URL", def: "https://openrouter.ai/api/v1", kind: urlValue, apply: func(c *Config, v string) (err error) {
		c.BaseURL, err = parseBaseURL(v)
		return err
	}},
	{key: "LISTEN_ADDR", def: "127.0.0.1:5000", apply: func(c *Config, v string) error {
		_, port, err := net.SplitHostPort(v)
		if err != nil {
			return errors.New("must be host:port, such as 127.0.0.1:5000")
		}
		if n, err := strconv.ParseUint(port, 10, 16); err != nil || n > 65535 {
			return errors.New("port must be a number from 0 to 65535")
		}
		c.ListenAddr = v
		return nil
	}},
	{key: "CACHE_DIR", def: DefaultCacheDir, apply: func(c *Config, v string) error {
		if !filepath.IsAbs(v) {
			v = filepath.Join(c.Home, v)
		}
		c.CacheDir = filepath.Clean(v)
		return nil
	}},
	{key: "HTTP_PROXY", lowercase: true, kind: proxyValue, apply: func(c *Config, v string) (err error) {
		c.HTTPProxy, err = checkProxy(v)
		return err
	}},
	{key: "HTTPS_PROXY", lowercase: true, kind: proxyValue, apply: func(c *Config, v string) (err error) {
		c.HTTPSProxy, err = checkProxy(v)
		return err
	}},
	{key: "NO_PROXY", lowercase: true, apply: func(c *Config, v string) error {
		c.NoProxy = v
		return nil
	}},
	{key: "MAX_CONCURRENT_REQUESTS", def: "5", apply: func(c *Config, v string) (err error) {
		c.MaxConcurrent, err = parseIntRange(v, 1, 1000)
		return err
	}},
	{key: "QUEUE_TIMEOUT", def: "30s", apply: func(c *Config, v string) (err error) {
		c.QueueTimeout, err = parseDuration(v)
		return err
	}},
	{key: "MAX_QUEUED_REQUESTS", def: "32", apply: func(c *Config, v string) (err error) {
		c.MaxQueued, err = parseIntRange(v, 0, 10000)
		return err
	}},
	{key: "MAX_QUEUED_BODY_MB", def: "64", apply: func(c *Config, v string) error {
		mb, err := parseIntRange(v, 1, 4096)
		c.MaxQueuedBytes = int64(mb) << 20
		return err
	}},
	{key: "PREFERRED_MODELS", apply: func(c *Config, v string) error {
		c.PreferredModels = splitList(v)
		return nil
	}},
	{key: "CLAUDE_OPUS_MODEL", apply: claudeModel("opus")},
	{key: "CLAUDE_SONNET_MODEL", apply: claudeModel("sonnet")},
	{key: "CLAUDE_HAIKU_MODEL", apply: claudeModel("haiku")},
	{key: "MAX_MODEL_ATTEMPTS", def: "3", apply: func(c *Config, v string) (err error) {
		c.MaxModelAttempts, err = parseIntRange(v, 1, 10)
		return err
	}},
	{key: "FIRST_TOKEN_TIMEOUT", def: "60s", apply: func(c *Config, v string) (err error) {
		c.FirstTokenTimeout, err = parseDuration(v)
		return err
	}},
	{key: "REQUEST_TIMEOUT", def: "300s", apply: func(c *Config, v string) (err error) {
		c.RequestTimeout, err = parseDuration(v)
		return err
	}},
	{key: "STREAM_IDLE_TIMEOUT", def: "120s", apply: func(c *Config, v string) (err error) {
		c.StreamIdleTimeout, err = parseDuration(v)
		return err
	}},
	{key: "CATALOG_REFRESH", def: "1h", apply: func(c *Config, v string) (err error) {
		c.CatalogRefresh, err = parseDuration(v)
		return err
	}},
	{key: "MAX_REQUEST_BODY_MB", def: "32", apply: func(c *Config, v string) error {
		mb, err := parseIntRange(v, 1, 32)
		c.MaxBodyBytes = int64(mb) << 20
		return err
	}},
	{key: "FREELANE_TOKEN", kind: secretValue, apply: func(c *Config, v string) error {
		if v != "" && len(v) < minTokenLen {
			return fmt.Errorf("must be at least %d characters", minTokenLen)
		}
		c.Token = v
		return nil
	}},
	{key: "ALLOWED_ORIGINS", apply: func(c *Config, v string) (err error) {
		c.AllowedOrigins, err = parseOrigins(v)
		return err
	}},
	{key: "DEBUG_MAX_MB", def: "200", apply: func(c *Config, v string) error {
		mb, err := parseIntRange(v, 1, 1_000_000)
		c.DebugMaxBytes = int64(mb) << 20
		return err
	}},
	{key: "DEBUG_MAX_DAYS", def: "7", apply: func(c *Config, v string) error {
		days, err := parseIntRange(v, 1, 3650)
		c.DebugMaxAge = time.Duration(days) * 24 * time.Hour
		return err
	}},
	{key: "LANGUAGE", fileOnly: true, apply: func(c *Config, v string) error {
		tag, ok, err := locale.ParseSetting(v)
		if ok {
			c.Language = tag.String()
		}
		return err
	}},
	{key: "LOG_LEVEL", def: "info", apply: func(c *Config, v string) error {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return errors.New("must be debug, info, warn or error")
		}
		return nil
	}},
}

// minTokenLen keeps FREELANE_TOKEN out of reach of guessing.
const minTokenLen = 16

// Load reads the configuration for home from the process environment and
// <home>/.env.
func Load(home string) (Config, error) {
	return LoadWith(home, os.LookupEnv)
}

// LoadWith is Load with the environment supplied by lookup, so callers (and
// tests) decide what counts as the environment. Every invalid setting is
// reported, joined into one error; the configuration is only returned when
// all of them are valid.
func LoadWith(home string, lookup func(string) (string, bool)) (Config, error) {
	if home == "" {
		return Config{}, errors.New("loading config: no home folder")
	}
	home, err := filepath.Abs(home)
	if err != nil {
		return Config{}, fmt.Errorf("loading config: %w", err)
	}
	envFile := filepath.Join(home, EnvFileName)
	fileValues, err := readEnvFile(envFile)
	if err != nil {
		return Config{}, err
	}

	c := Config{Home: home, EnvFile: envFile}
	var errs []error
	for _, s := range settings {
		key, value, source := lookupSetting(s, lookup, fileValues)
		if source == fromDefault {
			value = s.def
		}
		if err := s.apply(&c, value); err != nil {
			errs = append(errs, &FieldError{Key: key, Value: shownValue(s.kind, value), Source: source, Err: err})
		}
	}
	if len(errs) == 0 && !c.Loopback() && c.Token == "" {
		errs = append(errs, fmt.Errorf(
			"LISTEN_ADDR=%q is reachable from other machines, so FREELANE_TOKEN (at least %d characters) is required to keep them from spending your OpenRouter quota",
			c.ListenAddr, minTokenLen))
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}

// lookupSetting applies the precedence rule: a non-empty environment value,
// then a non-empty .env value, then the default. Within each source a
// setting read in both spellings takes the uppercase name first. key is the
// name the value was found under, so an error names the variable to fix.
//
// net/http ignores HTTP_PROXY when REQUEST_METHOD is set, because a CGI
// program receives the request's "Proxy" header as HTTP_PROXY. Freelane is a
// server, never run as a CGI program, so that rule is not applied here.
func lookupSetting(s setting, lookup func(string) (string, bool), fileValues map[string]string) (key, value, source string) {
	names := s.names()
	for _, name := range names {
		if s.fileOnly {
			break
		}
		if v, ok := lookup(name); ok {
			if v = strings.TrimSpace(v); v != "" {
				return name, v, fromEnvironment
			}
		}
	}
	for _, name := range names {
		if v := strings.TrimSpace(fileValues[name]); v != "" {
			return name, v, fromEnvFile
		}
	}
	return s.key, "", fromDefault
}

// names returns the variable names s is read from, in order of precedence.
func (s setting) names() []string {
	if s.lowercase {
		return []string{s.key, strings.ToLower(s.key)}
	}
	return []string{s.key}
}

func shownValue(kind valueKind, value string) string {
	switch kind {
	case secretValue:
		return ""
	case proxyValue:
		return redactURL(value)
	case urlValue:
		u, err := url.Parse(value)
		switch {
		case err == nil && u.User != nil:
			return u.Redacted()
		case err != nil && strings.Contains(value, "@"):
			return "[unparsable]" // it may hold a password
		}
		return value
	default:
		return value
	}
}

// utf8BOM is what Windows Notepad puts at the start of a UTF-8 file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readEnvFile parses path into a map; a missing file is an empty map.
func readEnvFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if encoding := utf16Encoding(data); encoding != "" {
		return nil, fmt.Errorf("reading %s: the file is saved as %s; save it as UTF-8 (Notepad: File, Save as, Encoding: UTF-8)", path, encoding)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	values, err := godotenv.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, describeSyntaxError(data, err))
	}
	return values, nil
}

// utf16Encoding names the UTF-16 flavour of data ("" when it is not
// UTF-16): what Notepad's "Unicode" choices and PowerShell 5's `>` write.
// Read as bytes, such a file is a NUL between every letter, and parses as
// nonsense. Without a byte-order mark, a NUL in the first two bytes gives
// it away: a .env never holds one.
func utf16Encoding(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return "UTF-16 LE"
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return "UTF-16 BE"
	case len(data) >= 2 && data[1] == 0 && data[0] != 0:
		return "UTF-16 LE"
	case len(data) >= 2 && data[0] == 0 && data[1] != 0:
		return "UTF-16 BE"
	}
	return ""
}

// describeSyntaxError rewrites a godotenv parse error without its excerpt:
// godotenv quotes the rest of the file after the fault, which may include the
// API key.
func describeSyntaxError(data []byte, err error) error {
	const charPrefix, nearInfix = "unexpected character ", " in variable name near "
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, charPrefix):
		char, err := strconv.QuotedPrefix(msg[len(charPrefix):])
		if err != nil {
			break
		}
		rest := msg[len(charPrefix)+len(char):]
		near, err := strconv.Unquote(strings.TrimPrefix(rest, nearInfix))
		normalized := bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		if err != nil || !bytes.HasSuffix(normalized, []byte(near)) {
			return fmt.Errorf("unexpected character %s in a variable name", char)
		}
		line := 1 + bytes.Count(normalized[:len(normalized)-len(near)], []byte("\n"))
		return fmt.Errorf("line %d: unexpected character %s in a variable name (each line must be KEY=value)", line, char)
	case strings.HasPrefix(msg, "unterminated quoted value"):
		return errors.New("a quoted value is never closed")
	}
	return errors.New("invalid syntax")
}

func parseIntRange(v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("must be a whole number from %d to %d", lo, hi)
	}
	return n, nil
}

// parseDuration accepts Go syntax ("90s", "1m30s") or plain seconds ("90").
func parseDuration(v string) (time.Duration, error) {
	var d time.Duration
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		d = time.Duration(secs) * time.Second
	} else if d, err = time.ParseDuration(v); err != nil {
		return 0, errors.New("must be a duration such as 90s or 2m, or a number of seconds")
	}
	if d <= 0 || d > maxDuration {
		return 0, fmt.Errorf("must be more than 0 and at most %s", maxDuration)
	}
	return d, nil
}

// splitList splits a comma list, trimming entries and dropping empty and
// repeated ones while keeping the first-seen order.
func splitList(v string) []string {
	var out []string
	seen := make(map[string]bool)
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" || seen[item] {
			continue
		}
		seen[item] = true
		out = append(out, item)
	}
	return out
}

// parseOrigins validates browser origins and normalises them to the form a
// browser sends in the Origin header: lower-case scheme://host[:port].
func parseOrigins(v string) ([]string, error) {
	var out []string
	for _, item := range splitList(v) {
		u, err := url.Parse(item)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil || strings.TrimRight(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("%q is not an origin such as http://localhost:3000", item)
		}
		origin := strings.ToLower(u.Scheme + "://" + u.Host)
		if !slices.Contains(out, origin) {
			out = append(out, origin)
		}
	}
	return out, nil
}

// checkProxy validates a proxy URL, leaving it as written for the transport.
func checkProxy(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	u, err := parseProxyURL(v)
	if err != nil || u.Host == "" {
		return "", errors.New("must be a proxy URL such as http://proxy.example:3128")
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
		return v, nil
	}
	return "", fmt.Errorf("unsupported proxy scheme %q (use http, https or socks5)", u.Scheme)
}

// parseBaseURL checks that v is a plain http(s) base URL and returns it
// without a trailing slash. Plain http is allowed only for loopback hosts (a
// local test server), because the API key travels with every request.
func parseBaseURL(v string) (string, error) {
	u, err := url.Parse(v)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "":
		return "", errors.New("must be an http or https URL such as https://openrouter.ai/api/v1")
	case u.User != nil:
		return "", errors.New("must not contain a user name or password (the API key goes in OPENROUTER_API_KEY)")
	case u.RawQuery != "" || u.ForceQuery:
		return "", errors.New("must not have a query")
	case u.Fragment != "":
		return "", errors.New("must not have a fragment")
	case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
		return "", errors.New("must use https; plain http is only for loopback hosts, since the API key travels with every request")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// ClaudeFamilies are the Claude model classes a free model can be pinned to.
var ClaudeFamilies = [...]string{"opus", "sonnet", "haiku"}

// claudeModel sets the free model pinned for a Claude family.
func claudeModel(family string) func(*Config, string) error {
	return func(c *Config, v string) error {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil
		}
		if strings.ContainsAny(v, " ,") {
			return errors.New("must be one model id, such as qwen/qwen3-coder:free")
		}
		if c.ClaudeModels == nil {
			c.ClaudeModels = make(map[string]string, len(ClaudeFamilies))
		}
		c.ClaudeModels[family] = v
		return nil
	}
}
