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

// longConversationRecord is a call from a coding client late in a session:
// about 200 KB of conversation sent, the same again upstream, and a streamed
// answer, so that 150 dumps take roughly the 88 MB a real folder does.
func longConversationRecord() *Record {
	rec := benchRecord()
	var msgs strings.Builder
	msgs.WriteString(`{"model":"auto","stream":true,"messages":[`)
	for i := range 40 {
		if i > 0 {
			msgs.WriteByte(',')
		}
		msgs.WriteString(`{"role":"user","content":"` + strings.Repeat("func main() { fmt.Println(42) } ", 150) + `"}`)
	}
	msgs.WriteString(`]}`)
	rec.Request = json.RawMessage(msgs.String())
	rec.Upstream = rec.Request
	return rec
}

// BenchmarkList lists 200 dumps of realistic size, as the Requests tab does
// on every live refresh: "first" with a Recorder that has listed nothing
// yet (just after start), "again" with one that listed them before.
func BenchmarkList(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "debug")
	r := New(dir, Limits{}, nil)
	b.Cleanup(func() { r.Close() })
	rec := longConversationRecord()
	for range 200 {
		rec.ID = ""
		if err := r.Save(rec); err != nil {
			b.Fatal(err)
		}
	}
	_, total, err := r.Usage()
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("200 dumps, %d MB", total>>20)

	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			fresh := New(dir, Limits{}, nil)
			if list, err := fresh.List(200); err != nil || len(list) != 200 {
				b.Fatalf("List = %d summaries, %v", len(list), err)
			}
		}
	})
	b.Run("again", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if list, err := r.List(200); err != nil || len(list) != 200 {
				b.Fatalf("List = %d summaries, %v", len(list), err)
			}
		}
	})
}
