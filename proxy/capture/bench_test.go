package capture

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// benchRecord is a typical streamed call: a few KB of request and 200 SSE
// events, with no credential in the bodies.
func benchRecord() *Record {
	rec := sampleRecord()
	rec.Request = json.RawMessage(`{"model":"auto","stream":true,"messages":[{"role":"user","content":"` + strings.Repeat("lorem ipsum ", 300) + `"}]}`)
	rec.Upstream = rec.Request
	rec.Stream = true
	rec.Client.Headers = map[string]string{"Authorization": "Bearer local", "Content-Type": "application/json"}
	for range 200 {
		rec.Response.Events = append(rec.Response.Events, `{"choices":[{"delta":{"content":"word "}}]}`)
	}
	rec.Response.Text = strings.Repeat("word ", 200)
	return rec
}

func BenchmarkSave(b *testing.B) {
	r := New(filepath.Join(b.TempDir(), "debug"), Limits{}, func() []string { return []string{testAPIKey, testToken} })
	b.Cleanup(func() { r.Close() })
	rec := benchRecord()
	b.ReportAllocs()
	for b.Loop() {
		rec.ID = ""
		if err := r.Save(rec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRedactJSON(b *testing.B) {
	rec := benchRecord()
	rec.Client.Headers = redactHeaders(rec.Client.Headers) // as Save does first
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		b.Fatal(err)
	}
	secrets := []string{testAPIKey, testToken}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		redactJSON(data, secrets)
	}
}
