package fakeopenrouter

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// benchCall sends one chat call and drains the answer, the way Freelane's
// benchmarks drive the fake.
func benchCall(b *testing.B, s *Server, client *http.Client, body string) {
	req, err := http.NewRequestWithContext(b.Context(), http.MethodPost, s.BaseURL()+"/chat/completions", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+DefaultAPIKey)
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

func BenchmarkChat_NonStream(b *testing.B) {
	s := New(b, WithInstant())
	client := s.ts.Client()
	body := chatBody(testModel, false)
	b.ReportAllocs()
	for b.Loop() {
		benchCall(b, s, client, body)
	}
}

func BenchmarkChat_Stream(b *testing.B) {
	s := New(b, WithInstant())
	client := s.ts.Client()
	body := chatBody(testModel, true)
	b.ReportAllocs()
	for b.Loop() {
		benchCall(b, s, client, body)
	}
}

func BenchmarkChat_StreamRecorded(b *testing.B) {
	s := New(b)
	client := s.ts.Client()
	body := chatBody(testModel, true)
	b.ReportAllocs()
	for b.Loop() {
		benchCall(b, s, client, body)
	}
}
