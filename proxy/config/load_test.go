package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoadWith_Defaults(t *testing.T) {
	home := t.TempDir()
	c := mustLoad(t, home, noEnv)

	want := Config{
		Home:              home,
		EnvFile:           filepath.Join(home, ".env"),
		BaseURL:           "https://openrouter.ai/api/v1",
		ListenAddr:        "127.0.0.1:5000",
		CacheDir:          filepath.Join(home, "cache"),
		MaxConcurrent:     5,
		QueueTimeout:      30 * time.Second,
		MaxQueued:         32,
		MaxQueuedBytes:    64 << 20,
		MaxModelAttempts:  3,
		FirstTokenTimeout: 60 * time.Second,
		RequestTimeout:    300 * time.Second,
		StreamIdleTimeout: 120 * time.Second,
		CatalogRefresh:    time.Hour,
		MaxBodyBytes:      32 << 20,
		DebugMaxBytes:     200 << 20,
		DebugMaxAge:       7 * 24 * time.Hour,
		LogLevel:          slog.LevelInfo,
	}
	if !c.Equal(want) {
		t.Errorf("defaults:\n got %#v\nwant %#v", c, want)
	}
	if !c.Loopback() {
		t.Error("default listen address is not loopback")
	}
	if got, want := c.DebugDir(), filepath.Join(home, "cache", "debug"); got != want {
		t.Errorf("DebugDir = %q, want %q", got, want)
	}
}

func TestLoadWith_Precedence(t *testing.T) {
	const key = "MAX_CONCURRENT_REQUESTS"
	tests := []struct {
		name     string
		env      map[string]string
		envFile  string
		wantSlot int
	}{
		{name: "environment_beats_file", env: map[string]string{key: "7"}, envFile: key + "=9\n", wantSlot: 7},
		{name: "file_beats_default", envFile: key + "=9\n", wantSlot: 9},
		{name: "empty_environment_counts_as_unset", env: map[string]string{key: ""}, envFile: key + "=9\n", wantSlot: 9},
		{name: "blank_environment_counts_as_unset", env: map[string]string{key: "  "}, envFile: key + "=9\n", wantSlot: 9},
		{name: "empty_file_value_uses_default", envFile: key + "=\n", wantSlot: 5},
		{name: "no_file_uses_default", wantSlot: 5},
		{name: "environment_without_file", env: map[string]string{key: "11"}, wantSlot: 11},
		{name: "export_prefix_and_quotes", envFile: "export " + key + "=\"12\"\n", wantSlot: 12},
		{name: "comments_ignored", envFile: "# " + key + "=1\n" + key + "=13 # thirteen\n", wantSlot: 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			if tt.envFile != "" {
				writeEnvFile(t, home, tt.envFile)
			}
			c := mustLoad(t, home, envOf(tt.env))
			if c.MaxConcurrent != tt.wantSlot {
				t.Errorf("MaxConcurrent = %d, want %d", c.MaxConcurrent, tt.wantSlot)
			}
		})
	}
}

func TestLoadWith_FileDoesNotTouchProcessEnvironment(t *testing.T) {
	home := t.TempDir()
	writeEnvFile(t, home, "FREELANE_TEST_ONLY_KEY=1\n")
	mustLoad(t, home, noEnv)
	if _, ok := lookupProcessEnv("FREELANE_TEST_ONLY_KEY"); ok {
		t.Error("loading .env changed the process environment")
	}
}

func TestLoadWith_Durations(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"90s", 90 * time.Second},
		{"90", 90 * time.Second},
		{"1m30s", 90 * time.Second},
		{"1.5h", 90 * time.Minute},
		{"250ms", 250 * time.Millisecond},
		{"168h", 168 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			c := mustLoad(t, t.TempDir(), envOf(map[string]string{"QUEUE_TIMEOUT": tt.value}))
			if c.QueueTimeout != tt.want {
				t.Errorf("QueueTimeout = %v, want %v", c.QueueTimeout, tt.want)
			}
		})
	}
}

func TestLoadWith_Lists(t *testing.T) {
	c := mustLoad(t, t.TempDir(), envOf(map[string]string{
		"PREFERRED_MODELS": " a/x:free, b/y:free ,a/x:free,, c/z:free ",
		"ALLOWED_ORIGINS":  "http://LOCALHOST:3000/, https://app.example,http://localhost:3000",
	}))
	if want := []string{"a/x:free", "b/y:free", "c/z:free"}; !slices.Equal(c.PreferredModels, want) {
		t.Errorf("PreferredModels = %q, want %q", c.PreferredModels, want)
	}
	if want := []string{"http://localhost:3000", "https://app.example"}; !slices.Equal(c.AllowedOrigins, want) {
		t.Errorf("AllowedOrigins = %q, want %q", c.AllowedOrigins, want)
	}
}

func TestLoadWith_Values(t *testing.T) {
	home := t.TempDir()
	abs := filepath.Join(t.TempDir(), "elsewhere")
	tests := []struct {
		name  string
		env   map[string]string
		check func(Config) error
	}{
		{"relative_cache_dir", map[string]string{"CACHE_DIR": "data/c"}, func(c Config) error {
			return expect(c.CacheDir, filepath.Join(home, "data", "c"))
		}},
		{"absolute_cache_dir", map[string]string{"CACHE_DIR": abs}, func(c Config) error {
			return expect(c.CacheDir, abs)
		}},
		{"base_url_trailing_slash", map[string]string{"OPENROUTER_BASE_URL": "http://127.0.0.1:9/api/v1/"}, func(c Config) error {
			return expect(c.BaseURL, "http://127.0.0.1:9/api/v1")
		}},
		{"base_url_http_on_loopback_names", map[string]string{"OPENROUTER_BASE_URL": "http://localhost:8080/api/v1"}, func(c Config) error {
			return expect(c.BaseURL, "http://localhost:8080/api/v1")
		}},
		{"base_url_http_on_ipv6_loopback", map[string]string{"OPENROUTER_BASE_URL": "http://[::1]:8080/api/v1"}, func(c Config) error {
			return expect(c.BaseURL, "http://[::1]:8080/api/v1")
		}},
		{"body_limit_in_mib", map[string]string{"MAX_REQUEST_BODY_MB": "1"}, func(c Config) error {
			return expect(c.MaxBodyBytes, int64(1<<20))
		}},
		{"debug_limits", map[string]string{"DEBUG_MAX_MB": "3", "DEBUG_MAX_DAYS": "2"}, func(c Config) error {
			return expect(fmt.Sprint(c.DebugMaxBytes, c.DebugMaxAge), fmt.Sprint(3<<20, 48*time.Hour))
		}},
		{"log_level", map[string]string{"LOG_LEVEL": "DEBUG"}, func(c Config) error {
			return expect(c.LogLevel, slog.LevelDebug)
		}},
		{"proxies_kept_as_written", map[string]string{"HTTP_PROXY": "proxy:3128", "HTTPS_PROXY": "socks5://p:1080", "NO_PROXY": "localhost"}, func(c Config) error {
			return expect(c.HTTPProxy+" "+c.HTTPSProxy+" "+c.NoProxy, "proxy:3128 socks5://p:1080 localhost")
		}},
		{"off_loopback_with_token", map[string]string{"LISTEN_ADDR": "0.0.0.0:5000", "FREELANE_TOKEN": "0123456789abcdef"}, func(c Config) error {
			return expect(c.Loopback(), false)
		}},
		{"ipv6_loopback_needs_no_token", map[string]string{"LISTEN_ADDR": "[::1]:5000"}, func(c Config) error {
			return expect(c.Loopback(), true)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, home, envOf(tt.env))
			if err := tt.check(c); err != nil {
				t.Error(err)
			}
		})
	}
}

func expect[T comparable](got, want T) error {
	if got != want {
		return fmt.Errorf("got %v, want %v", got, want)
	}
	return nil
}

func TestLoadWith_ValidationErrors(t *testing.T) {
	tests := []struct {
		key, value string
		wantInErr  string
		wantShown  string // how the value appears; defaults to the quoted value
	}{
		{"OPENROUTER_BASE_URL", "ftp://openrouter.ai", "http or https", ""},
		{"OPENROUTER_BASE_URL", "not a url", "http or https", ""},
		{"OPENROUTER_BASE_URL", "http://example.com/api/v1", "must use https", ""},
		{"OPENROUTER_BASE_URL", "http://192.168.1.5/api/v1", "must use https", ""},
		{"OPENROUTER_BASE_URL", "https://user:pass@openrouter.ai/api/v1", "user name or password", `"https://user:xxxxx@openrouter.ai/api/v1"`},
		{"OPENROUTER_BASE_URL", "https://openrouter.ai/api/v1?x=1", "query", ""},
		{"OPENROUTER_BASE_URL", "https://openrouter.ai/api/v1#frag", "fragment", ""},
		{"OPENROUTER_BASE_URL", "https:///api/v1", "http or https", ""},
		{"OPENROUTER_BASE_URL", "openrouter.ai/api/v1", "http or https", ""},
		{"OPENROUTER_API_KEY", "sk-or-v1-abc\r\nX-Evil: 1", "line breaks", "OPENROUTER_API_KEY (from environment)"},
		{"LISTEN_ADDR", "127.0.0.1", "host:port", ""},
		{"LISTEN_ADDR", "127.0.0.1:99999", "port", ""},
		{"LISTEN_ADDR", "127.0.0.1:http", "port", ""},
		{"HTTP_PROXY", "ftp://proxy:21", "unsupported proxy scheme", ""},
		{"HTTPS_PROXY", "http://%zz", "proxy URL", `"[unparsable]"`},
		{"MAX_CONCURRENT_REQUESTS", "0", "1 to 1000", ""},
		{"MAX_CONCURRENT_REQUESTS", "1001", "1 to 1000", ""},
		{"MAX_CONCURRENT_REQUESTS", "five", "1 to 1000", ""},
		{"QUEUE_TIMEOUT", "soon", "duration", ""},
		{"QUEUE_TIMEOUT", "0", "more than 0", ""},
		{"QUEUE_TIMEOUT", "-5s", "more than 0", ""},
		{"QUEUE_TIMEOUT", "169h", "at most", ""},
		{"QUEUE_TIMEOUT", "99999999999", "duration", ""},
		{"MAX_MODEL_ATTEMPTS", "11", "1 to 10", ""},
		{"FIRST_TOKEN_TIMEOUT", "x", "duration", ""},
		{"REQUEST_TIMEOUT", "0s", "more than 0", ""},
		{"STREAM_IDLE_TIMEOUT", "1y", "duration", ""},
		{"CATALOG_REFRESH", "-1", "duration", ""},
		{"MAX_REQUEST_BODY_MB", "33", "1 to 32", ""},
		{"ALLOWED_ORIGINS", "http://ok.example,https://x.example/path", "not an origin", ""},
		{"ALLOWED_ORIGINS", "*", "not an origin", ""},
		{"DEBUG_MAX_MB", "0", "1 to 1000000", ""},
		{"DEBUG_MAX_DAYS", "0", "1 to 3650", ""},
		{"LOG_LEVEL", "loud", "debug, info, warn or error", ""},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			_, err := LoadWith(t.TempDir(), envOf(map[string]string{tt.key: tt.value}))
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			shown := tt.wantShown
			if shown == "" {
				shown = fmt.Sprintf("%q", tt.value)
			}
			for _, want := range []string{tt.key, shown, "from environment", tt.wantInErr} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not mention %q", msg, want)
				}
			}
		})
	}
}

func TestLoadWith_LowercaseProxyVariables(t *testing.T) {
	tests := []struct {
		name                 string
		env                  map[string]string
		envFile              string
		http, https, noProxy string
	}{
		{name: "lowercase_only",
			env:  map[string]string{"http_proxy": "http://lower:1", "https_proxy": "http://lower:2", "no_proxy": "lower.example"},
			http: "http://lower:1", https: "http://lower:2", noProxy: "lower.example"},
		{name: "uppercase_wins",
			env:   map[string]string{"HTTPS_PROXY": "http://upper:2", "https_proxy": "http://lower:2", "NO_PROXY": "upper.example", "no_proxy": "lower.example"},
			https: "http://upper:2", noProxy: "upper.example"},
		{name: "empty_uppercase_falls_back",
			env:   map[string]string{"HTTPS_PROXY": " ", "https_proxy": "http://lower:2"},
			https: "http://lower:2"},
		{name: "environment_lowercase_beats_env_file_uppercase",
			env:     map[string]string{"https_proxy": "http://lower:2"},
			envFile: "HTTPS_PROXY=http://file:2\n",
			https:   "http://lower:2"},
		{name: "env_file_lowercase",
			envFile: "https_proxy=http://file:2\nno_proxy=file.example\n",
			https:   "http://file:2", noProxy: "file.example"},
		{name: "other_settings_have_no_lowercase_name",
			env: map[string]string{"listen_addr": "not an address"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			if tt.envFile != "" {
				writeEnvFile(t, home, tt.envFile)
			}
			c := mustLoad(t, home, envOf(tt.env))
			if got, want := [3]string{c.HTTPProxy, c.HTTPSProxy, c.NoProxy}, [3]string{tt.http, tt.https, tt.noProxy}; got != want {
				t.Errorf("HTTP, HTTPS, NO proxy = %q, want %q", got, want)
			}
		})
	}
}

func TestLoadWith_InvalidLowercaseProxyNamesItsVariable(t *testing.T) {
	_, err := LoadWith(t.TempDir(), envOf(map[string]string{"https_proxy": "ftp://user:hunter2pass@proxy:21"}))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "https_proxy=") || !strings.Contains(msg, "unsupported proxy scheme") {
		t.Errorf("error %q does not name https_proxy and the fault", msg)
	}
	if strings.Contains(msg, "hunter2pass") {
		t.Errorf("error %q shows the proxy password", msg)
	}
}

func TestLoadWith_ReportsEveryInvalidKeyWithItsSource(t *testing.T) {
	home := t.TempDir()
	writeEnvFile(t, home, "MAX_MODEL_ATTEMPTS=0\n")
	_, err := LoadWith(home, envOf(map[string]string{"QUEUE_TIMEOUT": "never"}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`MAX_MODEL_ATTEMPTS="0" (from .env)`, `QUEUE_TIMEOUT="never" (from environment)`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestLoadWith_OffLoopbackNeedsToken(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:5000", ":5000", "192.168.1.20:5000", "[::]:5000", "example.com:5000"} {
		t.Run(addr, func(t *testing.T) {
			_, err := LoadWith(t.TempDir(), envOf(map[string]string{"LISTEN_ADDR": addr}))
			if err == nil || !strings.Contains(err.Error(), "FREELANE_TOKEN") || !strings.Contains(err.Error(), "other machines") {
				t.Errorf("error = %v, want one explaining FREELANE_TOKEN is required", err)
			}
		})
	}
}

func TestLoadWith_SecretsNeverInErrors(t *testing.T) {
	const apiKey = "sk-or-v1-0123456789abcdef0123456789abcdef"
	const shortToken = "tok3n-short"
	tests := []struct {
		name    string
		env     map[string]string
		envFile string
		secrets []string
	}{
		{name: "short_token", env: map[string]string{"FREELANE_TOKEN": shortToken, "OPENROUTER_API_KEY": apiKey}, secrets: []string{shortToken, apiKey}},
		{name: "proxy_password", env: map[string]string{"HTTP_PROXY": "ftp://user:hunter2pass@proxy:21"}, secrets: []string{"hunter2pass"}},
		{name: "syntax_error_after_key", envFile: "OPENROUTER_API_KEY=" + apiKey + "\nnot an assignment\nFREELANE_TOKEN=" + shortToken + "\n", secrets: []string{apiKey, shortToken}},
		{name: "unterminated_quote", envFile: "OPENROUTER_API_KEY=\"" + apiKey + "\n", secrets: []string{apiKey}},
		{name: "bad_key_char_before_key", envFile: "BAD-NAME=1\nOPENROUTER_API_KEY=" + apiKey + "\n", secrets: []string{apiKey}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			if tt.envFile != "" {
				writeEnvFile(t, home, tt.envFile)
			}
			_, err := LoadWith(home, envOf(tt.env))
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tt.secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q reveals %q", err, s)
				}
			}
		})
	}
}

func TestLoadWith_SyntaxErrorNamesLine(t *testing.T) {
	home := t.TempDir()
	writeEnvFile(t, home, "# comment\r\nLOG_LEVEL=info\r\nthis is wrong\r\n")
	_, err := LoadWith(home, noEnv)
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), ".env") {
		t.Errorf("error = %v, want one naming .env line 3", err)
	}
}

func TestLoadWith_ByteOrderMark(t *testing.T) {
	home := t.TempDir()
	writeEnvFile(t, home, "\xEF\xBB\xBFMAX_MODEL_ATTEMPTS=4\n")
	if c := mustLoad(t, home, noEnv); c.MaxModelAttempts != 4 {
		t.Errorf("MaxModelAttempts = %d, want 4", c.MaxModelAttempts)
	}
}

func TestLoadWith_UTF16NamesTheEncoding(t *testing.T) {
	for name, tc := range map[string]struct{ content, want string }{
		"LE with BOM":    {"\xFF\xFEL\x00O\x00G\x00=\x00", "UTF-16 LE"},
		"BE with BOM":    {"\xFE\xFF\x00L\x00O\x00G", "UTF-16 BE"},
		"LE without BOM": {"L\x00O\x00G\x00", "UTF-16 LE"},
	} {
		t.Run(name, func(t *testing.T) {
			home := t.TempDir()
			writeEnvFile(t, home, tc.content)
			_, err := LoadWith(home, noEnv)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "UTF-8") {
				t.Errorf("error = %v, want one naming %s and asking for UTF-8", err, tc.want)
			}
		})
	}
}

func TestConfig_OutputHidesSecrets(t *testing.T) {
	const apiKey = "sk-or-v1-0123456789abcdef0123456789ab90ab"
	const token = "super-secret-token-value"
	c := mustLoad(t, t.TempDir(), envOf(map[string]string{
		"OPENROUTER_API_KEY": apiKey,
		"FREELANE_TOKEN":     token,
		"HTTPS_PROXY":        "http://user:proxypass@proxy:3128",
	}))

	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("loaded", "config", c)
	outputs := map[string]string{
		"slog":   logged.String(),
		"String": c.String(),
		"%v":     fmt.Sprintf("%v", c),
		"%+v":    fmt.Sprintf("%+v", c),
		"%#v":    fmt.Sprintf("%#v", c),
	}
	for name, out := range outputs {
		for _, secret := range []string{apiKey, token, "proxypass"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s output reveals %q: %s", name, secret, out)
			}
		}
		if !strings.Contains(out, "sk-or-…90ab") {
			t.Errorf("%s output lacks the key fingerprint: %s", name, out)
		}
	}
}

func TestConfig_KeyFingerprint(t *testing.T) {
	tests := []struct{ key, want string }{
		{"", ""},
		{"short", "…"},
		{"sk-or-v1-abcdef1234567890ab", "sk-or-…90ab"},
	}
	for _, tt := range tests {
		if got := (Config{APIKey: tt.key}).KeyFingerprint(); got != tt.want {
			t.Errorf("KeyFingerprint(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestConfig_Loopback(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:5000", true},
		{"127.8.9.10:1", true},
		{"[::1]:5000", true},
		{"localhost:5000", true},
		{"LocalHost:5000", true},
		{"0.0.0.0:5000", false},
		{":5000", false},
		{"[::]:5000", false},
		{"10.0.0.1:5000", false},
		{"garbage", false},
	}
	for _, tt := range tests {
		if got := (Config{ListenAddr: tt.addr}).Loopback(); got != tt.want {
			t.Errorf("Loopback(%q) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func TestLoadWith_LanguageComesFromEnvFileOnly(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		envFile string
		want    string
	}{
		{name: "unset_follows_the_system"},
		{name: "env_file_zh", envFile: "LANGUAGE=zh-CN\n", want: "zh-CN"},
		{name: "env_file_posix_spelling", envFile: "LANGUAGE=zh_CN\n", want: "zh-CN"},
		{name: "env_file_en", envFile: "LANGUAGE=en\n", want: "en"},
		// GNU LANGUAGE is the system's list; it neither wins over .env nor
		// fails the load with a list Freelane would not accept in .env.
		{name: "gnu_language_list_ignored", env: map[string]string{"LANGUAGE": "en_US:en"}, envFile: "LANGUAGE=zh-CN\n", want: "zh-CN"},
		{name: "gnu_language_alone", env: map[string]string{"LANGUAGE": "de_DE:de"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			if tt.envFile != "" {
				writeEnvFile(t, home, tt.envFile)
			}
			if c := mustLoad(t, home, envOf(tt.env)); c.Language != tt.want {
				t.Errorf("Language = %q, want %q", c.Language, tt.want)
			}
		})
	}
	home := t.TempDir()
	writeEnvFile(t, home, "LANGUAGE=fr\n")
	_, err := LoadWith(home, envOf(nil))
	if err == nil || !strings.Contains(err.Error(), "LANGUAGE") || !strings.Contains(err.Error(), "en or zh-CN") {
		t.Errorf("LANGUAGE=fr: err = %v, want a field error naming LANGUAGE and the choices", err)
	}
}
