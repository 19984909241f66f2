package upstream

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

const longKey = "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"

// secretWindows returns every piece of minKeyRun bytes of the secret part
// of key: text holds a redactable run exactly when it holds one of them.
func secretWindows(key string) []string {
	secret := strings.TrimPrefix(key, keyPrefix)
	var w []string
	for i := 0; i+minKeyRun <= len(secret); i++ {
		w = append(w, secret[i:i+minKeyRun])
	}
	return w
}

func assertNoKeyPiece(t *testing.T, got, input string) {
	t.Helper()
	for _, w := range secretWindows(longKey) {
		if strings.Contains(got, w) {
			t.Fatalf("a piece %q of the key is left in %q (from %q)", w, got, input)
		}
	}
}

func TestRedactor_RemovesTheKeyAndItsPieces(t *testing.T) {
	t.Parallel()
	r := newRedactor(longKey, "my-token")
	tests := []struct{ name, in, want string }{
		{"whole_key", "Authorization: Bearer " + longKey + " is invalid", "Authorization: Bearer [redacted] is invalid"},
		{"minus_first_chars", `bad key "` + longKey[12:] + `"`, `bad key "[redacted]"`},
		{"masked_start", "key ****" + longKey[20:40] + "****", "key ****[redacted]****"},
		{"last_8", "ends in " + longKey[len(longKey)-8:], "ends in [redacted]"},
		{"twice_adjacent", longKey + longKey, "[redacted][redacted]"},
		{"seven_chars_kept", "hex " + longKey[30:37] + " ok", "hex " + longKey[30:37] + " ok"},
		{"public_prefix_kept", "keys start with sk-or-v1-", "keys start with sk-or-v1-"},
		{"prefix_and_7_secret_kept", "sk-or-v1-" + longKey[9:16], "sk-or-v1-" + longKey[9:16]},
		{"token_whole", "token my-token here", "token [redacted] here"},
		{"token_piece_kept", "my-tok", "my-tok"},
		{"plain", "no secret here", "no secret here"},
	}
	for _, tt := range tests {
		if got := r.String(tt.in); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestRedactor_TextWithoutSecretIsNotCopied(t *testing.T) {
	r := newRedactor(longKey, "tok")
	in := []byte(`data: {"choices":[{"delta":{"content":"abcdef0123456789"}}]}` + "\n\n")
	if allocs := testing.AllocsPerRun(100, func() { _ = r.redact(in) }); allocs != 0 {
		t.Errorf("%v allocations for text without a secret", allocs)
	}
}

// A secret cut across the reads of a body is still removed.
func TestRedactingBody_SecretAcrossReads(t *testing.T) {
	t.Parallel()
	r := newRedactor(longKey, "my-token")
	in := "data: {\"error\":{\"message\":\"Bearer " + longKey + " and " + longKey[5:] + " and my-token\"}}\n\n"
	for _, name := range []string{"one_byte", "half"} {
		var src io.Reader = strings.NewReader(in)
		if name == "one_byte" {
			src = iotest.OneByteReader(src)
		} else {
			src = iotest.HalfReader(src)
		}
		out, err := io.ReadAll(r.body(io.NopCloser(src)))
		if err != nil {
			t.Fatal(err)
		}
		want := "data: {\"error\":{\"message\":\"Bearer [redacted] and [redacted] and [redacted]\"}}\n\n"
		if string(out) != want {
			t.Errorf("%s: got %q, want %q", name, out, want)
		}
	}
}

// An event boundary is never held back: a client sees each event as soon as
// it arrives.
func TestRedactingBody_EventsAreNotHeldBack(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	body := newRedactor(longKey, "").body(pr)
	event := "data: {\"x\":\"" + longKey[9:30] + "\"}\n\n"
	go func() { _, _ = pw.Write([]byte(event)) }()
	buf := make([]byte, 256)
	n, err := body.Read(buf)
	if err != nil || string(buf[:n]) != "data: {\"x\":\"[redacted]\"}\n\n" {
		t.Fatalf("first read = %q, %v", buf[:n], err)
	}
	_ = pw.Close()
	if _, err := body.Read(buf); err != io.EOF {
		t.Fatalf("after the end: %v", err)
	}
}

func FuzzRedact(f *testing.F) {
	f.Add([]byte("Bearer "+longKey), uint8(3))
	f.Add([]byte(longKey[10:]+longKey[3:20]), uint8(1))
	f.Add([]byte("sk-or-v1-sk-or-v1-0f3a9c81d2e7"), uint8(7))
	f.Fuzz(func(t *testing.T, text []byte, chunk uint8) {
		r := newRedactor(longKey, "")
		assertNoKeyPiece(t, string(r.redact(bytes.Clone(text))), string(text))
		// The same through a body read in small pieces.
		src := &chunkReader{b: text, n: int(chunk%16) + 1}
		out, err := io.ReadAll(r.body(io.NopCloser(src)))
		if err != nil {
			t.Fatal(err)
		}
		assertNoKeyPiece(t, string(out), string(text))
	})
}

// chunkReader returns b n bytes at a time.
type chunkReader struct {
	b []byte
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p, c.b[:min(c.n, len(c.b))])
	c.b = c.b[k:]
	return k, nil
}

// BenchmarkRedactingBody measures the cost the redaction adds to reading a
// streamed answer without secrets, the common case.
func BenchmarkRedactingBody(b *testing.B) {
	event := `data: {"id":"gen-1","choices":[{"index":0,"delta":{"content":"The quick brown fox 0123456789abcdef jumps"}}]}` + "\n\n"
	stream := []byte(strings.Repeat(event, (1<<20)/len(event)))
	r := newRedactor(longKey, "a-local-token-of-some-length")
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		body := r.body(io.NopCloser(bytes.NewReader(stream)))
		for {
			if _, err := body.Read(buf); err != nil {
				break
			}
		}
		_ = body.Close()
	}
}
