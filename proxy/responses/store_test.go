package responses

import (
	"fmt"
	"strings"
	"testing"

	"github.com/freelane/freelane/proxy/translate"
)

func TestStoreBounds(t *testing.T) {
	s := NewStore(3, 1<<20)
	for i := range 5 {
		s.Put(fmt.Sprint("r", i), []translate.ChatMessage{{Role: "user", Content: fmt.Sprint(i)}})
	}
	if s.Len() != 3 {
		t.Errorf("Len = %d, want 3", s.Len())
	}
	if _, ok := s.Get("r1"); ok {
		t.Error("r1 kept; the oldest should go first")
	}
	conv, ok := s.Get("r4")
	if !ok || conv[0].Content != "4" {
		t.Errorf("r4 = %v, %v", conv, ok)
	}
	// The copy handed out does not change what is stored.
	conv[0].Content = "changed"
	if again, _ := s.Get("r4"); again[0].Content != "4" {
		t.Errorf("stored conversation changed through Get's result: %v", again)
	}
}

func TestStoreByteBound(t *testing.T) {
	big := []translate.ChatMessage{{Role: "user", Content: strings.Repeat("x", 600)}}
	s := NewStore(100, 1000)
	s.Put("a", big)
	s.Put("b", big)
	if _, ok := s.Get("a"); ok {
		t.Error("a kept past the byte bound")
	}
	if _, ok := s.Get("b"); !ok {
		t.Error("b not kept")
	}
	s.Put("huge", []translate.ChatMessage{{Role: "user", Content: strings.Repeat("x", 2000)}})
	if _, ok := s.Get("huge"); ok {
		t.Error("a conversation larger than the store was kept")
	}
	if _, ok := s.Get("b"); !ok {
		t.Error("b evicted by a conversation that was not kept")
	}
	s.Put("b", big[:0])
	if s.bytes != 2 || s.Len() != 1 {
		t.Errorf("after replacing b: bytes %d, len %d", s.bytes, s.Len())
	}
}
