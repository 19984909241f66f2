package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// eventDeadline bounds every wait for a watcher callback.
const eventDeadline = 5 * time.Second

type watchRecorder struct {
	configs chan Config
	invalid chan error
	debug   chan bool
}

// startWatch runs the watcher until the test ends and returns once its
// baseline is read.
func startWatch(t *testing.T, home string, lookup func(string) (string, bool), options ...func(*Handler)) *watchRecorder {
	t.Helper()
	rec := &watchRecorder{
		configs: make(chan Config, 16),
		invalid: make(chan error, 16),
		debug:   make(chan bool, 16),
	}
	h := Handler{
		Config:  func(c Config) { rec.configs <- c },
		Invalid: func(err error) { rec.invalid <- err },
		Debug:   func(on bool) { rec.debug <- on },
	}
	for _, option := range options {
		option(&h)
	}
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan struct{})
	h.Ready = func() { close(ready) }
	done := make(chan error, 1)
	go func() { done <- Watch(ctx, home, lookup, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Watch returned %v after cancel", err)
			}
		case <-time.After(eventDeadline):
			t.Error("Watch did not return after cancel")
		}
	})
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Watch returned early: %v", err)
	case <-time.After(eventDeadline):
		t.Fatal("Watch did not start")
	}
	return rec
}

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(eventDeadline):
		t.Fatalf("no %s within %v", what, eventDeadline)
		panic("unreachable")
	}
}

// barrier flips debug mode and waits for the callback. Reloads run in order
// on one goroutine, so once it arrives every earlier change has been
// reported, and the channels can be checked for extra events.
func (rec *watchRecorder) barrier(t *testing.T, home string) {
	t.Helper()
	on := !DebugEnabled(home)
	if err := SetDebug(home, on); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, rec.debug, "debug callback"); got != on {
		t.Fatalf("Debug(%v), want Debug(%v)", got, on)
	}
}

func (rec *watchRecorder) expectQuiet(t *testing.T) {
	t.Helper()
	select {
	case c := <-rec.configs:
		t.Errorf("unexpected Config callback: %v", c)
	case err := <-rec.invalid:
		t.Errorf("unexpected Invalid callback: %v", err)
	default:
	}
}

// saveLikeEditor replaces .env the way editors do: write a temporary file,
// then rename it over the original.
func saveLikeEditor(t *testing.T, home, content string) {
	t.Helper()
	tmp := filepath.Join(home, ".env.swp")
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(home, EnvFileName)); err != nil {
		t.Fatal(err)
	}
}

func TestWatch_RenameSaveTriggersExactlyOneConfig(t *testing.T) {
	home := t.TempDir()
	writeEnvFile(t, home, "MAX_MODEL_ATTEMPTS=3\n")
	rec := startWatch(t, home, noEnv)

	saveLikeEditor(t, home, "MAX_MODEL_ATTEMPTS=4\n")
	if c := receive(t, rec.configs, "Config callback"); c.MaxModelAttempts != 4 {
		t.Errorf("MaxModelAttempts = %d, want 4", c.MaxModelAttempts)
	}
	rec.barrier(t, home)
	rec.expectQuiet(t)
}

func TestWatch_SetEnvValueTriggersConfig(t *testing.T) {
	home := t.TempDir()
	rec := startWatch(t, home, noEnv)

	if err := SetEnvValue(home, "PREFERRED_MODELS", "a/b:free,c/d:free"); err != nil {
		t.Fatal(err)
	}
	c := receive(t, rec.configs, "Config callback")
	if strings.Join(c.PreferredModels, ",") != "a/b:free,c/d:free" {
		t.Errorf("PreferredModels = %q", c.PreferredModels)
	}
	rec.barrier(t, home)
	rec.expectQuiet(t)
}

func TestWatch_InvalidThenValid(t *testing.T) {
	const apiKey = "sk-or-v1-watchsecret0123456789"
	home := t.TempDir()
	writeEnvFile(t, home, "MAX_MODEL_ATTEMPTS=3\n")
	rec := startWatch(t, home, noEnv)

	// A half-written file: the closing quote has not arrived yet.
	writeEnvFile(t, home, "OPENROUTER_API_KEY=\""+apiKey)
	err := receive(t, rec.invalid, "Invalid callback")
	if strings.Contains(err.Error(), apiKey) {
		t.Errorf("error reveals the API key: %v", err)
	}

	writeEnvFile(t, home, "OPENROUTER_API_KEY=\""+apiKey+"\"\nMAX_MODEL_ATTEMPTS=3\n")
	if c := receive(t, rec.configs, "Config callback"); c.APIKey != apiKey {
		t.Errorf("APIKey not loaded after the write completed")
	}
}

func TestWatch_RecoveryToSameConfigIsReported(t *testing.T) {
	home := t.TempDir()
	writeEnvFile(t, home, "MAX_MODEL_ATTEMPTS=3\n")
	rec := startWatch(t, home, noEnv)

	saveLikeEditor(t, home, "MAX_MODEL_ATTEMPTS=99\n")
	receive(t, rec.invalid, "Invalid callback")
	saveLikeEditor(t, home, "MAX_MODEL_ATTEMPTS=3\n")
	if c := receive(t, rec.configs, "Config callback"); c.MaxModelAttempts != 3 {
		t.Errorf("MaxModelAttempts = %d, want 3", c.MaxModelAttempts)
	}
}

func TestWatch_EnvDeletedAndRecreated(t *testing.T) {
	home := t.TempDir()
	writeEnvFile(t, home, "MAX_MODEL_ATTEMPTS=4\n")
	rec := startWatch(t, home, noEnv)

	if err := os.Remove(filepath.Join(home, EnvFileName)); err != nil {
		t.Fatal(err)
	}
	if c := receive(t, rec.configs, "Config after delete"); c.MaxModelAttempts != 3 {
		t.Errorf("after delete MaxModelAttempts = %d, want the default 3", c.MaxModelAttempts)
	}
	writeEnvFile(t, home, "MAX_MODEL_ATTEMPTS=6\n")
	if c := receive(t, rec.configs, "Config after re-create"); c.MaxModelAttempts != 6 {
		t.Errorf("after re-create MaxModelAttempts = %d, want 6", c.MaxModelAttempts)
	}
}

func TestWatch_NoConfigWhenNothingChanged(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		change func(t *testing.T, home string)
	}{
		{"same_content_rewritten", nil, func(t *testing.T, home string) {
			saveLikeEditor(t, home, "MAX_MODEL_ATTEMPTS=3\n")
		}},
		{"comment_added", nil, func(t *testing.T, home string) {
			saveLikeEditor(t, home, "# tuned\nMAX_MODEL_ATTEMPTS=3\n")
		}},
		{"environment_overrides_edit", map[string]string{"MAX_MODEL_ATTEMPTS": "2"}, func(t *testing.T, home string) {
			saveLikeEditor(t, home, "MAX_MODEL_ATTEMPTS=5\n")
		}},
		{"other_file_in_home", nil, func(t *testing.T, home string) {
			if err := os.WriteFile(filepath.Join(home, "notes.txt"), []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			writeEnvFile(t, home, "MAX_MODEL_ATTEMPTS=3\n")
			rec := startWatch(t, home, envOf(tt.env))
			tt.change(t, home)
			rec.barrier(t, home)
			rec.expectQuiet(t)
		})
	}
}

func TestWatch_DebugFile(t *testing.T) {
	home := t.TempDir()
	rec := startWatch(t, home, noEnv)

	for _, on := range []bool{true, false, true} {
		if err := SetDebug(home, on); err != nil {
			t.Fatal(err)
		}
		if got := receive(t, rec.debug, "Debug callback"); got != on {
			t.Errorf("Debug(%v), want Debug(%v)", got, on)
		}
	}
	rec.expectQuiet(t)
}

func TestWatch_MissingHomeFails(t *testing.T) {
	err := Watch(t.Context(), filepath.Join(t.TempDir(), "missing"), noEnv, Handler{})
	if err == nil {
		t.Error("Watch on a missing folder returned nil")
	}
}

// A debug file created and deleted within one debounce is still reported,
// so a caller that switched debug mode on itself learns it is off again.
func TestWatch_DebugFileCreatedAndDeletedQuickly(t *testing.T) {
	home := t.TempDir()
	rec := startWatch(t, home, noEnv)
	if err := SetDebug(home, true); err != nil {
		t.Fatal(err)
	}
	if err := SetDebug(home, false); err != nil {
		t.Fatal(err)
	}
	// Under load the two changes may land in two debounces (true, then
	// false); either way the last state reported must be "off".
	if got := receive(t, rec.debug, "Debug callback"); got {
		if got = receive(t, rec.debug, "second Debug callback"); got {
			t.Error("the removal of the debug file was not reported")
		}
	}
}

func TestWatch_StartInvalidReportsTheStateAtOnce(t *testing.T) {
	startInvalid := func(h *Handler) { h.StartInvalid = true }

	// Fixed before the watch began: reported as a Config at once.
	home := t.TempDir()
	writeEnvFile(t, home, "MAX_MODEL_ATTEMPTS=4\n")
	rec := startWatch(t, home, noEnv, startInvalid)
	if c := receive(t, rec.configs, "Config callback for a .env fixed before the watch"); c.MaxModelAttempts != 4 {
		t.Errorf("MaxModelAttempts = %d, want 4", c.MaxModelAttempts)
	}

	// Still broken: the error at once, then the fix.
	home = t.TempDir()
	writeEnvFile(t, home, "KEY='unterminated\n")
	rec = startWatch(t, home, noEnv, startInvalid)
	receive(t, rec.invalid, "Invalid callback for a .env still broken")
	writeEnvFile(t, home, "MAX_MODEL_ATTEMPTS=5\n")
	if c := receive(t, rec.configs, "Config callback after the fix"); c.MaxModelAttempts != 5 {
		t.Errorf("MaxModelAttempts = %d, want 5", c.MaxModelAttempts)
	}
}

// Editors that truncate .env and then write it leave an empty file for a
// moment. Applied, it would drop the key (calls get missing_api_key) and
// move the listener to the default port and back: the running
// configuration is kept until the file is complete again.
func TestWatch_TwoStepSaveKeepsTheRunningConfig(t *testing.T) {
	const apiKey = "sk-or-v1-watchsecret0123456789"
	for name, before := range map[string]string{
		"api_key":     "OPENROUTER_API_KEY=" + apiKey + "\n",
		"listen_addr": "LISTEN_ADDR=127.0.0.1:5123\n",
	} {
		t.Run(name, func(t *testing.T) {
			home := t.TempDir()
			writeEnvFile(t, home, before)
			rec := startWatch(t, home, noEnv, func(h *Handler) { h.SettleDelay = time.Hour })

			writeEnvFile(t, home, "") // step one: truncated
			rec.barrier(t, home)      // a reload has read the empty file
			rec.expectQuiet(t)

			writeEnvFile(t, home, before+"MAX_MODEL_ATTEMPTS=4\n") // step two
			c := receive(t, rec.configs, "Config callback")
			if c.MaxModelAttempts != 4 || (name == "api_key") != (c.APIKey == apiKey) || (name == "listen_addr") != (c.ListenAddr == "127.0.0.1:5123") {
				t.Errorf("after the second step: attempts %d, key kept %v, listen %s", c.MaxModelAttempts, c.APIKey == apiKey, c.ListenAddr)
			}
		})
	}
}

// Removing the key on purpose still applies, once the file has settled.
func TestWatch_DroppedKeyAppliesOnceSettled(t *testing.T) {
	home := t.TempDir()
	writeEnvFile(t, home, "OPENROUTER_API_KEY=sk-or-v1-watchsecret0123456789\nLISTEN_ADDR=127.0.0.1:5123\n")
	rec := startWatch(t, home, noEnv, func(h *Handler) { h.SettleDelay = 50 * time.Millisecond })

	saveLikeEditor(t, home, "MAX_MODEL_ATTEMPTS=4\n")
	c := receive(t, rec.configs, "Config callback")
	if c.APIKey != "" || c.ListenAddr != "127.0.0.1:5000" || c.MaxModelAttempts != 4 {
		t.Errorf("settled config: key set %v, listen %s, attempts %d; want no key, the default address, 4",
			c.APIKey != "", c.ListenAddr, c.MaxModelAttempts)
	}
}
