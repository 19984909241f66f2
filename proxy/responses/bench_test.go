package responses

import (
	"encoding/json"
	"io"
	"testing"
	"time"
)

// BenchmarkStreamAnswer turns a 200-delta streamed answer into Responses
// events: the per-call cost the translation adds to a chat stream.
func BenchmarkStreamAnswer(b *testing.B) {
	var req Request
	if err := json.Unmarshal([]byte(`{"model":"m","input":"x","stream":true}`), &req); err != nil {
		b.Fatal(err)
	}
	tr, err := ToChat(&req, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		bl := NewBuilder(&req, tr, "resp_b", time.Unix(0, 0), io.Discard)
		bl.Start("free:free")
		for range 200 {
			bl.Text("word ")
		}
		bl.Finish("stop")
		bl.Usage(Usage{InputTokens: 10, OutputTokens: 200})
		bl.Complete()
	}
}
