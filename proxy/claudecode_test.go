package proxy

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// claudeCLI finds the Claude Code CLI. Without it the test skips, but
// fails under CI.
func claudeCLI(t *testing.T) string {
	return agentCLI(t, "FREELANE_CLAUDE_CLI", "claude", "npm @anthropic-ai/claude-code")
}

// agentCLI finds an agent's command-line program: the path in the
// environment variable env, else name on PATH. Without it the test skips,
// except under CI, which installs it (.ci/run) and must run the test.
func agentCLI(t *testing.T, env, name, pkg string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	p, err := exec.LookPath(name)
	if err != nil {
		skipOrFailInCI(t, fmt.Sprintf("%s is not installed (%s); set %s or put it on PATH", name, pkg, env))
	}
	return p
}

// runClaude runs `claude -p prompt` against p in a throwaway home with
// telemetry, updates and error reports off, and returns its output.
func runClaude(t *testing.T, bin string, p *testProxy, dir string, args ...string) string {
	t.Helper()
	out, stderr, err := execClaude(t, bin, p, dir, args...)
	if err != nil {
		t.Fatalf("claude: %v\nstdout: %s\nstderr: %s\nfreelane log:\n%s", err, out, stderr, p.logs.String())
	}
	return out
}

// execClaude is runClaude for a run that may fail.
func execClaude(t *testing.T, bin string, p *testProxy, dir string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"ANTHROPIC_BASE_URL=" + p.front.URL,
		"ANTHROPIC_AUTH_TOKEN=freelane",
		"ANTHROPIC_API_KEY=",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
		"DISABLE_TELEMETRY=1",
		"DISABLE_AUTOUPDATER=1",
		"DISABLE_ERROR_REPORTING=1",
		"CLAUDE_CODE_MAX_RETRIES=1",
		"TERM=dumb",
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	t.Logf("$ claude %s\n%s", strings.Join(args, " "), out.String())
	return out.String(), errOut.String(), err
}

func newClaudeCodeProxy(t *testing.T, with ...func(*Options)) *testProxy {
	t.Helper()
	return newTestProxy(t, nil, map[string]string{
		"CLAUDE_OPUS_MODEL": llama, "CLAUDE_SONNET_MODEL": llama, "CLAUDE_HAIKU_MODEL": llama,
	}, with...)
}

func TestClaudeCode_PlainPrompt(t *testing.T) {
	bin := claudeCLI(t)
	p := newClaudeCodeProxy(t)
	p.fake.SetDefault(llama, fakeopenrouter.Answer("Freelane answers Claude Code."))
	out := runClaude(t, bin, p, t.TempDir(), "-p", "Say hello", "--model", "sonnet")
	if !strings.Contains(out, "Freelane answers Claude Code.") {
		t.Errorf("output %q lacks the fake's answer", out)
	}
	logUpstream(t, p)
}

func TestClaudeCode_ToolThenAnswer(t *testing.T) {
	bin := claudeCLI(t)
	p := newClaudeCodeProxy(t)
	p.fake.SetDefault(llama, fakeopenrouter.AgentTurn("Bash",
		`{"command":"echo tool-ran-$((6*7))","description":"Print a marker"}`,
		"The command printed: "))
	out := runClaude(t, bin, p, t.TempDir(), "-p", "Run the marker command", "--model", "sonnet", "--allowedTools", "Bash")
	if !strings.Contains(out, "The command printed: tool-ran-42") {
		t.Errorf("output %q: the shell tool did not run or its result did not come back", out)
	}
	logUpstream(t, p)
}

// logUpstream lists the chat calls Claude Code's requests became, and
// checks each was a stream counted as an Anthropic call.
func logUpstream(t *testing.T, p *testProxy) {
	t.Helper()
	for i, r := range p.fake.Requests() {
		t.Logf("upstream call %d: model=%s stream=%v bytes=%d", i+1, r.Model, r.Stream, len(r.Body))
	}
	for _, c := range p.srv.stats.Recent(10) {
		if c.API != "anthropic" {
			t.Errorf("call %+v not counted as an Anthropic call", c)
		}
	}
	if os.Getenv("FREELANE_CLAUDE_TRANSCRIPT") != "" {
		for _, r := range p.fake.Requests() {
			t.Logf("upstream body: %s", r.Body)
		}
	}
}

// Claude Code must accept the pings Freelane sends before message_start
// while a free model is slow to start.
func TestClaudeCode_PingsBeforeTheAnswer(t *testing.T) {
	bin := claudeCLI(t)
	// Set before the server starts: Claude Code's requests come from another
	// process, so nothing orders a later change before the handler reads it.
	p := newClaudeCodeProxy(t, func(o *Options) { o.StreamPing = 10 * time.Millisecond })
	p.fake.SetDefault(llama, fakeopenrouter.Delay(300*time.Millisecond, fakeopenrouter.Answer("Answered after the pings.")))
	out := runClaude(t, bin, p, t.TempDir(), "-p", "Say hello", "--model", "sonnet")
	if !strings.Contains(out, "Answered after the pings.") {
		t.Errorf("output %q lacks the fake's answer", out)
	}
}

// The daily free cap reaches Claude Code as a 429 it shows at once, with
// Freelane's explanation, instead of waiting until midnight.
func TestClaudeCode_DailyCapShownAtOnce(t *testing.T) {
	bin := claudeCLI(t)
	p := newClaudeCodeProxy(t)
	p.fake.SetDefault("*", fakeopenrouter.DailyCap())
	out, _, err := execClaude(t, bin, p, t.TempDir(), "-p", "Say hello", "--model", "sonnet")
	if err == nil || !strings.Contains(out, "daily limit of free requests") {
		t.Errorf("claude exit %v, output %q; want a failure that names the daily limit", err, out)
	}
	if n := len(p.fake.Requests()); n != 1 {
		t.Errorf("%d upstream calls, want 1 (no retries)", n)
	}
}
