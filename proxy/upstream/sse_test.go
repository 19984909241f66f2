package upstream

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

type wantEvent struct {
	comment bool
	data    string
	raw     string
}

// readAll reads every event, copying the slices that Next reuses.
func readAll(t *testing.T, r *EventReader) ([]wantEvent, error) {
	t.Helper()
	var got []wantEvent
	for {
		ev, err := r.Next()
		if err != nil {
			return got, err
		}
		got = append(got, wantEvent{comment: ev.Comment, data: string(ev.Data), raw: string(ev.Raw)})
	}
}

func TestEventReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		input   string
		want    []wantEvent
		wantErr error
	}{
		{"openrouter_stream", ": OPENROUTER PROCESSING\n\ndata: {\"a\":1}\n\ndata: [DONE]\n\n", []wantEvent{
			{comment: true, raw: ": OPENROUTER PROCESSING\n\n"},
			{data: `{"a":1}`, raw: "data: {\"a\":1}\n\n"},
			{data: "[DONE]", raw: "data: [DONE]\n\n"},
		}, io.EOF},
		{"crlf", "data: x\r\n\r\n: ping\r\n\r\n", []wantEvent{
			{data: "x", raw: "data: x\r\n\r\n"},
			{comment: true, raw: ": ping\r\n\r\n"},
		}, io.EOF},
		{"multi_line_data_and_fields", "event: message\nid: 7\ndata: a\ndata:b\ndata:  c\nretry: 10\n\n", []wantEvent{
			{data: "a\nb\n c", raw: "event: message\nid: 7\ndata: a\ndata:b\ndata:  c\nretry: 10\n\n"},
		}, io.EOF},
		{"comment_inside_event_kept_in_raw", "data: a\n: note\ndata: b\n\n", []wantEvent{
			{data: "a\nb", raw: "data: a\n: note\ndata: b\n\n"},
		}, io.EOF},
		{"comment_running_into_event", ": keep-alive\ndata: x\n\n", []wantEvent{
			{comment: true, raw: ": keep-alive\n\n"},
			{data: "x", raw: "data: x\n\n"},
		}, io.EOF},
		{"stray_blank_lines_skipped", "\n\n\ndata: x\n\n\n", []wantEvent{{data: "x", raw: "data: x\n\n"}}, io.EOF},
		{"final_event_without_blank_line", "data: a\n\ndata: last\n", []wantEvent{
			{data: "a", raw: "data: a\n\n"},
			{data: "last", raw: "data: last\n\n"},
		}, io.EOF},
		{"truncated_line", "data: a\n\ndata: {\"half", []wantEvent{{data: "a", raw: "data: a\n\n"}}, io.ErrUnexpectedEOF},
		{"empty", "", nil, io.EOF},
		{"data_without_colon", "data\n\n", []wantEvent{{data: "", raw: "data\n\n"}}, io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// One byte at a time exercises every buffer boundary.
			for _, src := range []io.Reader{strings.NewReader(tt.input), iotest.OneByteReader(strings.NewReader(tt.input))} {
				got, err := readAll(t, NewEventReader(src, 1024))
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("error = %v, want %v", err, tt.wantErr)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("got %d events %+v, want %d %+v", len(got), got, len(tt.want), tt.want)
				}
				for i := range got {
					if got[i] != tt.want[i] {
						t.Errorf("event %d = %+v, want %+v", i, got[i], tt.want[i])
					}
				}
			}
		})
	}
}

func TestEventReader_LongLinesUpToLimit(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 200_000)
	input := "data: " + long + "\n\ndata: after\n\n"
	r := NewEventReader(strings.NewReader(input), 256<<10)
	ev, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if string(ev.Data) != long {
		t.Errorf("long data has %d bytes, want %d", len(ev.Data), len(long))
	}
	ev, err = r.Next()
	if err != nil || string(ev.Data) != "after" {
		t.Errorf("next event = %q, %v", ev.Data, err)
	}
}

func TestEventReader_TooLarge(t *testing.T) {
	t.Parallel()
	// An endless line must fail at the limit, not grow without bound.
	endless := io.MultiReader(strings.NewReader("data: "), infiniteReader{})
	r := NewEventReader(endless, 4096)
	_, err := r.Next()
	if !errors.Is(err, ErrEventTooLarge) {
		t.Fatalf("error = %v, want ErrEventTooLarge", err)
	}
	if !strings.Contains(err.Error(), "4096") {
		t.Errorf("error %q does not name the limit", err)
	}
	if _, err2 := r.Next(); !errors.Is(err2, ErrEventTooLarge) {
		t.Errorf("second Next error = %v, want the same error", err2)
	}
	if len(r.buf) > 4096 {
		t.Errorf("buffer grew to %d bytes", len(r.buf))
	}
}

func TestEventReader_ReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	r := NewEventReader(io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(boom)), 1024)
	if ev, err := r.Next(); err != nil || string(ev.Data) != "a" {
		t.Fatalf("first event = %q, %v", ev.Data, err)
	}
	if _, err := r.Next(); !errors.Is(err, boom) {
		t.Errorf("error = %v, want %v", err, boom)
	}
}

type infiniteReader struct{}

func (infiniteReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// loopReader replays one stream forever without allocating.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.off:])
	l.off = (l.off + n) % len(l.data)
	return n, nil
}

func BenchmarkEventReader(b *testing.B) {
	stream := []byte(": OPENROUTER PROCESSING\n\n" +
		`data: {"id":"gen-1785160442-5ORlzdIrlBsDoqBP7E7B","object":"chat.completion.chunk","created":1785160442,"model":"inclusionai/ling-3.0-flash:free","provider":"Novita","choices":[{"index":0,"delta":{"content":"To","role":"assistant"},"finish_reason":null,"native_finish_reason":null}]}` + "\n\n")
	r := NewEventReader(&loopReader{data: stream}, 1<<20)
	b.ReportAllocs()
	b.SetBytes(int64(len(stream)) / 2)
	for b.Loop() {
		if _, err := r.Next(); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzEventReader(f *testing.F) {
	f.Add([]byte(": OPENROUTER PROCESSING\n\ndata: {\"a\":1}\n\ndata: [DONE]\n\n"))
	f.Add([]byte("data: x\r\n\r\n: c\r\ndata: y\r\n"))
	f.Add([]byte("event: e\nid: 1\ndata: a\ndata: b\n\n\n\ndata: {\"trunc"))
	f.Fuzz(func(t *testing.T, input []byte) {
		const limit = 256
		r := NewEventReader(bytes.NewReader(input), limit)
		for range len(input) + 2 {
			ev, err := r.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrEventTooLarge) {
					t.Fatalf("unexpected error %v", err)
				}
				if _, again := r.Next(); !errors.Is(again, err) && !(errors.Is(err, io.EOF) && errors.Is(again, io.EOF)) {
					t.Fatalf("error not sticky: %v then %v", err, again)
				}
				return
			}
			if len(ev.Raw) > limit+2 {
				t.Fatalf("event of %d bytes exceeds the limit", len(ev.Raw))
			}
			if !bytes.HasSuffix(ev.Raw, []byte("\n\n")) && !bytes.HasSuffix(ev.Raw, []byte("\n\r\n")) {
				t.Fatalf("Raw %q does not end in a blank line", ev.Raw)
			}
			if ev.Comment && len(ev.Data) != 0 {
				t.Fatalf("comment event with data %q", ev.Data)
			}
			if !ev.Comment && !bytes.Contains(ev.Raw, []byte("data")) && len(ev.Data) != 0 {
				t.Fatalf("data %q without a data line in %q", ev.Data, ev.Raw)
			}
			if len(ev.Data) > len(ev.Raw) {
				t.Fatalf("data longer than the event")
			}
		}
		t.Fatal("Next never reported the end of the input")
	})
}

// TestEventReader_ReusedBuffer reads streams one after another, each reader
// released before the next is made, so later readers may get a buffer full of
// the previous stream's bytes: none of them may leak into the events.
func TestEventReader_ReusedBuffer(t *testing.T) {
	t.Parallel()
	streams := []string{
		": OPENROUTER PROCESSING\n\ndata: {\"first\":\"" + strings.Repeat("x", 3000) + "\"}\n\ndata: [DONE]\n\n",
		"data: short\n\n",
		"data: a\ndata: b\n\n: ping\n\ndata: [DONE]\n\n",
	}
	want := [][]wantEvent{
		{{comment: true, raw: ": OPENROUTER PROCESSING\n\n"},
			{data: "{\"first\":\"" + strings.Repeat("x", 3000) + "\"}", raw: "data: {\"first\":\"" + strings.Repeat("x", 3000) + "\"}\n\n"},
			{data: "[DONE]", raw: "data: [DONE]\n\n"}},
		{{data: "short", raw: "data: short\n\n"}},
		{{data: "a\nb", raw: "data: a\ndata: b\n\n"}, {comment: true, raw: ": ping\n\n"}, {data: "[DONE]", raw: "data: [DONE]\n\n"}},
	}
	for round := range 3 {
		for i, stream := range streams {
			r := NewEventReader(strings.NewReader(stream), 1<<20)
			got, err := readAll(t, r)
			r.Release()
			if !errors.Is(err, io.EOF) {
				t.Fatalf("round %d stream %d: err = %v, want EOF", round, i, err)
			}
			if len(got) != len(want[i]) {
				t.Fatalf("round %d stream %d: %d events, want %d: %+v", round, i, len(got), len(want[i]), got)
			}
			for j := range got {
				if got[j] != want[i][j] {
					t.Errorf("round %d stream %d event %d = %+v, want %+v", round, i, j, got[j], want[i][j])
				}
			}
		}
	}
}

func TestEventReader_NextAfterRelease(t *testing.T) {
	t.Parallel()
	r := NewEventReader(strings.NewReader("data: a\n\ndata: b\n\n"), 1<<20)
	if _, err := r.Next(); err != nil {
		t.Fatalf("first Next: %v", err)
	}
	r.Release()
	r.Release() // idempotent
	if ev, err := r.Next(); err == nil {
		t.Fatalf("Next after Release = %+v, want an error", ev)
	}
}

// BenchmarkEventReader_Stream reads one short stream per iteration with a
// fresh reader, as the relay does per streamed call.
func BenchmarkEventReader_Stream(b *testing.B) {
	stream := []byte(": OPENROUTER PROCESSING\n\n" +
		`data: {"id":"gen-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"To"}}]}` + "\n\n" +
		"data: [DONE]\n\n")
	src := bytes.NewReader(stream)
	b.ReportAllocs()
	for b.Loop() {
		src.Reset(stream)
		r := NewEventReader(src, 16<<20)
		for {
			if _, err := r.Next(); err != nil {
				if !errors.Is(err, io.EOF) {
					b.Fatal(err)
				}
				break
			}
		}
		r.Release()
	}
}
