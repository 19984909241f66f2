package fakeopenrouter

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// waitTimeout bounds every wait in these tests; none of them sleeps.
const waitTimeout = 5 * time.Second

// startCall sends a chat call in the background with a cancellable
// context; the returned channel yields the call's error once it ends.
func startCall(t *testing.T, s *Server, body string) (cancel context.CancelFunc, result <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.BaseURL()+"/chat/completions", strings.NewReader(body))
		if err != nil {
			errc <- err
			return
		}
		req.Header.Set("Authorization", "Bearer "+DefaultAPIKey)
		resp, err := s.ts.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	return cancel, errc
}

func waitCancelled(t *testing.T, s *Server, wantModel string) {
	t.Helper()
	select {
	case model := <-s.Cancelled():
		if model != wantModel {
			t.Errorf("cancelled model = %q, want %q", model, wantModel)
		}
	case <-time.After(waitTimeout):
		t.Fatal("no cancellation reported")
	}
}

func TestCancellation_ReportedForWaitingBehaviors(t *testing.T) {
	tests := []struct {
		name     string
		behavior Behavior
		stream   bool
	}{
		{"hang", Hang(), false},
		{"hang_stream", Hang(), true},
		{"delay", Delay(time.Hour, Answer("never")), false},
		{"drip", Drip(time.Hour, "never"), true},
		{"gate", Gate(make(chan struct{}), Answer("held")), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(t)
			s.Script(testModel, tt.behavior)
			cancel, result := startCall(t, s, chatBody(testModel, tt.stream))
			ctx, stop := context.WithTimeout(t.Context(), waitTimeout)
			defer stop()
			if err := s.WaitCalls(ctx, 1); err != nil {
				t.Fatal(err)
			}
			cancel()
			waitCancelled(t, s, testModel)
			if got := s.CancelledCount(); got != 1 {
				t.Errorf("CancelledCount = %d, want 1", got)
			}
			<-result
		})
	}
}

func TestGate_HoldsAfterFirstFlushedChunk(t *testing.T) {
	s := New(t)
	release := make(chan struct{})
	s.Script(testModel, Gate(release, Answer("alpha beta gamma delta epsilon")))
	resp := postChat(t, s, chatBody(testModel, true))
	br := bufio.NewReader(resp.Body)

	// The first data event must arrive while the gate is still shut.
	var first string
	for first == "" {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading first event: %v", err)
		}
		if strings.HasPrefix(line, "data: ") {
			first = line
		}
	}
	firstChunks, _ := dataChunks(t, []sseEvent{{data: strings.TrimPrefix(strings.TrimSpace(first), "data: ")}})
	head, _ := streamedContent(firstChunks)
	if !strings.HasPrefix(head, "alpha") {
		t.Errorf("first event = %q, want the first content piece", first)
	}
	close(release)
	events, err := readSSE(br)
	if err != nil {
		t.Fatal(err)
	}
	chunks, done := dataChunks(t, events)
	content, _ := streamedContent(chunks)
	if head+content != "alpha beta gamma delta epsilon" || !done {
		t.Errorf("rest = %q, done %v", content, done)
	}
}

func TestGate_NonStreamWaitsForRelease(t *testing.T) {
	s := New(t)
	release := make(chan struct{})
	s.Script(testModel, Gate(release, Answer("released")))
	_, result := startCall(t, s, chatBody(testModel, false))
	ctx, stop := context.WithTimeout(t.Context(), waitTimeout)
	defer stop()
	if err := s.WaitCalls(ctx, 1); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-result:
		t.Fatalf("call ended before release: %v", err)
	default:
	}
	close(release)
	if err := <-result; err != nil {
		t.Errorf("call after release: %v", err)
	}
}

func TestClose_ReleasesHangingCalls(t *testing.T) {
	s := New(t)
	s.Script(testModel, Hang())
	_, result := startCall(t, s, chatBody(testModel, false))
	ctx, stop := context.WithTimeout(t.Context(), waitTimeout)
	defer stop()
	if err := s.WaitCalls(ctx, 1); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(waitTimeout):
		t.Fatal("Close blocked on a hanging call")
	}
	<-result
	if s.CancelledCount() != 0 {
		t.Errorf("Close counted as a client cancellation")
	}
}
