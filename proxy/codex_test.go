package proxy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// codexBinary finds the Codex CLI: $FREELANE_CODEX, then codex on PATH.
// Without it the test skips, except under CI, where it must run.
func codexBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("FREELANE_CODEX"); bin != "" {
		return bin
	}
	bin, err := exec.LookPath("codex")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the Codex CLI is not installed (npm @openai/codex; .ci/run installs it): %v", err)
		}
		t.Skip("the Codex CLI is not installed (npm install @openai/codex); set FREELANE_CODEX or put codex on PATH")
	}
	return bin
}

// codexEvent is one line of `codex exec --json`.
type codexEvent struct {
	Type string `json:"type"`
	Item struct {
		Type             string `json:"type"`
		Text             string `json:"text"`
		Command          string `json:"command"`
		AggregatedOutput string `json:"aggregated_output"`
		ExitCode         *int   `json:"exit_code"`
	} `json:"item"`
}

// runCodex runs `codex exec` with a throwaway CODEX_HOME whose config points
// at p, and returns its JSON events. The transcript goes to the test log.
func runCodex(t *testing.T, p *testProxy, prompt string) []codexEvent {
	t.Helper()
	bin := codexBinary(t)
	home, work := t.TempDir(), t.TempDir()
	config := fmt.Sprintf(`model = "auto"
model_provider = "freelane"
check_for_update_on_startup = false

[analytics]
enabled = false

[model_providers.freelane]
name = "Freelane"
base_url = "%s/v1"
env_key = "FREELANE_API_KEY"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
`, p.front.URL)
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "exec", "--json", "--skip-git-repo-check",
		"--sandbox", "danger-full-access", "-C", work, prompt)
	cmd.Env = []string{
		"CODEX_HOME=" + home, "HOME=" + home, "PATH=" + os.Getenv("PATH"),
		"FREELANE_API_KEY=any-key", "NO_COLOR=1", "RUST_LOG=error",
	}
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.Output()
	stderr := ""
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = string(ee.Stderr)
	}
	t.Logf("codex exec %q:\n%s%s", prompt, out, stderr)
	if err != nil {
		t.Fatalf("codex exec: %v", err)
	}
	var events []codexEvent
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var ev codexEvent
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Type != "" {
			events = append(events, ev)
		}
	}
	return events
}

// agentMessages are the texts of Codex's completed agent messages.
func agentMessages(events []codexEvent) []string {
	var texts []string
	for _, ev := range events {
		if ev.Type == "item.completed" && ev.Item.Type == "agent_message" {
			texts = append(texts, ev.Item.Text)
		}
	}
	return texts
}

func TestCodex_PlainPrompt(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	p.fake.SetDefault("*", fakeopenrouter.Answer("Hi! Freelane answered through the Responses API."))
	events := runCodex(t, p, "Say hi.")
	if got := agentMessages(events); len(got) != 1 || got[0] != "Hi! Freelane answered through the Responses API." {
		t.Errorf("agent messages = %q", got)
	}
	if today := p.srv.stats.Today(); today.Total != 1 || today.Success != 1 {
		t.Errorf("stats = %+v, want one successful call", today)
	}
	// Codex offers its hosted web search by default: dropped, and said so.
	if logs := p.logs.String(); !strings.Contains(logs, "removed hosted tools") || !strings.Contains(logs, "web_search") {
		t.Errorf("the dropped web_search tool was not logged:\n%s", logs)
	}
}

func TestCodex_RunsAShellCommandAndAnswers(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	p.fake.Script("*", fakeopenrouter.RunShell("echo freelane-$((6*7))"), fakeopenrouter.EchoLastMessage("The command printed: "))
	p.fake.SetDefault("*", fakeopenrouter.Answer("unexpected extra call"))
	events := runCodex(t, p, "Run a command that prints something.")
	var ran bool
	for _, ev := range events {
		if ev.Type == "item.completed" && ev.Item.Type == "command_execution" {
			ran = strings.Contains(ev.Item.Command, "echo freelane-") && strings.Contains(ev.Item.AggregatedOutput, "freelane-42")
		}
	}
	if !ran {
		t.Error("Codex did not run the command the model asked for")
	}
	if n := len(p.fake.Requests()); n != 2 {
		t.Errorf("%d upstream calls, want 2 (the command, then the answer)", n)
	}
	got := agentMessages(events)
	if len(got) != 1 || !strings.HasPrefix(got[0], "The command printed: ") || !strings.Contains(got[0], "freelane-42") {
		t.Errorf("agent messages = %q, want the echo of the command's output", got)
	}
}

func TestCodex_ShowsReasoning(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	p.fake.SetDefault("*", fakeopenrouter.AnswerWithReasoning("Thinking about a greeting.", "Hello after thinking."))
	events := runCodex(t, p, "Say hi.")
	var reasoning []string
	for _, ev := range events {
		if ev.Type == "item.completed" && ev.Item.Type == "reasoning" {
			reasoning = append(reasoning, ev.Item.Text)
		}
	}
	if len(reasoning) != 1 || !strings.Contains(reasoning[0], "Thinking about a greeting.") {
		t.Errorf("reasoning items = %q", reasoning)
	}
	if got := agentMessages(events); len(got) != 1 || got[0] != "Hello after thinking." {
		t.Errorf("agent messages = %q", got)
	}
}
