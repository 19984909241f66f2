package anthropic

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freelane/freelane/proxy/translate"
)

var update = flag.Bool("update", false, "rewrite the golden files' expected halves")

// A golden case is one file in testdata/golden: the input half is written
// by hand, the expected half is what the translator gives (-update rewrites
// it; review the diff).
type requestCase struct {
	Anthropic json.RawMessage `json:"anthropic"`
	Model     string          `json:"model"` // what ResolveModel gave
	Chat      json.RawMessage `json:"chat"`
}

type answerCase struct {
	Request json.RawMessage `json:"request"` // the Anthropic request (thinking, stream)
	// Completion is a non-stream chat answer; Chunks a chat stream's data payloads.
	Completion json.RawMessage   `json:"completion,omitempty"`
	Chunks     []json.RawMessage `json:"chunks,omitempty"`
	// Message is the translated answer; Events the translated stream, one
	// "event: data" line each.
	Message json.RawMessage `json:"message,omitempty"`
	Events  []string        `json:"events,omitempty"`
}

func goldenFiles(t *testing.T, prefix string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "golden", prefix+"*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files %s*: %v", prefix, err)
	}
	return files
}

func readCase(t *testing.T, file string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func writeCase(t *testing.T, file string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func indent(t *testing.T, raw []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if len(raw) == 0 {
		return ""
	}
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		t.Fatalf("indenting %s: %v", raw, err)
	}
	return buf.String()
}

var goldenPins = map[string]string{"haiku": "small/fast:free"}

func TestGolden_Requests(t *testing.T) {
	for _, file := range goldenFiles(t, "request_") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			var c requestCase
			readCase(t, file, &c)
			req, err := DecodeRequest(c.Anthropic, false)
			if err != nil {
				t.Fatal(err)
			}
			model := ResolveModel(req.Model, goldenPins)
			chat, err := ToChat(req, model)
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				c.Model, c.Chat = model, chat
				writeCase(t, file, c)
				return
			}
			if model != c.Model {
				t.Errorf("model %q, want %q", model, c.Model)
			}
			if got, want := indent(t, chat), indent(t, c.Chat); got != want {
				t.Errorf("chat request:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestGolden_Answers(t *testing.T) {
	for _, file := range goldenFiles(t, "answer_") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			var c answerCase
			readCase(t, file, &c)
			req, err := DecodeRequest(c.Request, false)
			if err != nil {
				t.Fatal(err)
			}
			var gotMsg json.RawMessage
			var gotEvents []string
			if len(c.Completion) > 0 {
				comp, err := translate.ParseCompletion(c.Completion)
				if err != nil {
					t.Fatal(err)
				}
				gotMsg, _ = json.Marshal(FromCompletion(comp, "msg_test", "free/model:free", ShowsThinking(req), 7))
			} else {
				s := NewStream("msg_test", req.Model, ShowsThinking(req), 7)
				evs := s.Start("free/model:free")
				for _, raw := range c.Chunks {
					ch, err := translate.ParseChunk(raw)
					if e, ok := err.(*translate.Error); ok {
						evs = append(evs, s.Fail(FromStreamError(e))...)
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					evs = append(evs, s.Chunk(ch)...)
				}
				evs = append(evs, s.End()...)
				for _, ev := range evs {
					data, _ := json.Marshal(ev.Data)
					gotEvents = append(gotEvents, ev.Name+": "+string(data))
				}
			}
			if *update {
				c.Message, c.Events = gotMsg, gotEvents
				writeCase(t, file, c)
				return
			}
			if got, want := indent(t, gotMsg), indent(t, c.Message); got != want {
				t.Errorf("message:\n%s\nwant:\n%s", got, want)
			}
			if got, want := strings.Join(gotEvents, "\n"), strings.Join(c.Events, "\n"); got != want {
				t.Errorf("events:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
