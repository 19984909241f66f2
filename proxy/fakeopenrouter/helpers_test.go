package fakeopenrouter

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// chatBody is a minimal chat request for model.
func chatBody(model string, stream bool) string {
	b, _ := json.Marshal(map[string]any{
		"model":    model,
		"stream":   stream,
		"messages": []map[string]string{{"role": "user", "content": "Say hello."}},
	})
	return string(b)
}

// postChat sends body to /chat/completions with the server's default key.
func postChat(t *testing.T, s *Server, body string) *http.Response {
	t.Helper()
	return doRequest(t, s, http.MethodPost, "/chat/completions", "Bearer "+DefaultAPIKey, body)
}

func doRequest(t *testing.T, s *Server, method, path, auth, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.BaseURL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatalf("building request: %v", err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// decodeBody reads the whole body as JSON into a generic map.
func decodeBody(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("decoding body (status %d): %v", resp.StatusCode, err)
	}
	return v
}

// errorOf returns the "error" object of an error body.
func errorOf(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	e, ok := body["error"].(map[string]any)
	if !ok {
		t.Fatalf("body has no error object: %v", body)
	}
	return e
}

// sseEvent is one event of a stream: a comment line or the joined data.
type sseEvent struct {
	comment string
	data    string
}

// errPartialEvent reports a stream that ended in the middle of an event.
var errPartialEvent = errors.New("stream ended mid-event")

// readSSE is a tiny SSE reader: it returns the events before the stream
// ended, and why it ended (nil for a clean end after a complete event).
func readSSE(r io.Reader) ([]sseEvent, error) {
	br := bufio.NewReader(r)
	var events []sseEvent
	var data []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) && line == "" && len(data) == 0 {
				return events, nil
			}
			if errors.Is(err, io.EOF) {
				return events, errPartialEvent
			}
			return events, err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if len(data) > 0 {
				events = append(events, sseEvent{data: strings.Join(data, "\n")})
				data = nil
			}
		case strings.HasPrefix(line, ":"):
			events = append(events, sseEvent{comment: line})
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		default:
			return events, errors.New("unexpected SSE line: " + line)
		}
	}
}

// dataChunks decodes every data event but [DONE]; done reports whether
// [DONE] was the last event.
func dataChunks(t *testing.T, events []sseEvent) (chunks []map[string]any, done bool) {
	t.Helper()
	for i, ev := range events {
		if ev.comment != "" {
			continue
		}
		if ev.data == "[DONE]" {
			if i != len(events)-1 {
				t.Errorf("[DONE] is event %d of %d", i, len(events))
			}
			done = true
			continue
		}
		var c map[string]any
		if err := json.Unmarshal([]byte(ev.data), &c); err != nil {
			t.Fatalf("event %d is not JSON: %v: %q", i, err, ev.data)
		}
		chunks = append(chunks, c)
	}
	return chunks, done
}

// firstChoice returns choices[0] of a completion or chunk, or nil.
func firstChoice(v map[string]any) map[string]any {
	choices, _ := v["choices"].([]any)
	if len(choices) == 0 {
		return nil
	}
	c, _ := choices[0].(map[string]any)
	return c
}

// streamedContent joins the content and reasoning deltas of chunks.
func streamedContent(chunks []map[string]any) (content, reasoning string) {
	for _, c := range chunks {
		ch := firstChoice(c)
		if ch == nil {
			continue
		}
		d, _ := ch["delta"].(map[string]any)
		s, _ := d["content"].(string)
		content += s
		r, _ := d["reasoning"].(string)
		reasoning += r
	}
	return content, reasoning
}
