package responses

import (
	"encoding/json"
	"sync"

	"github.com/freelane/freelane/proxy/translate"
)

// Store keeps the conversations of this process's recent responses, so that
// a call with previous_response_id can continue one. It is bounded in count
// and in bytes; the oldest entries go first. Nothing is written to disk: a
// restart forgets them, and a client then gets a clear 400.
type Store struct {
	mu       sync.Mutex
	maxItems int
	maxBytes int
	bytes    int
	order    []string // oldest first
	entries  map[string]storedResponse
}

type storedResponse struct {
	conversation []translate.ChatMessage
	size         int
}

// NewStore returns a store of at most maxItems responses and maxBytes of
// conversation (measured as JSON).
func NewStore(maxItems, maxBytes int) *Store {
	return &Store{maxItems: maxItems, maxBytes: maxBytes, entries: map[string]storedResponse{}}
}

// Put keeps the conversation that ends with response id. A conversation
// larger than the whole store is not kept.
func (s *Store) Put(id string, conversation []translate.ChatMessage) {
	data, err := json.Marshal(conversation)
	if err != nil || len(data) > s.maxBytes {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.entries[id]; ok {
		s.bytes -= old.size
		s.removeFromOrder(id)
	}
	s.entries[id] = storedResponse{conversation: conversation, size: len(data)}
	s.order = append(s.order, id)
	s.bytes += len(data)
	for len(s.order) > s.maxItems || s.bytes > s.maxBytes {
		oldest := s.order[0]
		s.order = s.order[1:]
		s.bytes -= s.entries[oldest].size
		delete(s.entries, oldest)
	}
}

func (s *Store) removeFromOrder(id string) {
	for i, o := range s.order {
		if o == id {
			s.order = append(s.order[:i], s.order[i+1:]...)
			return
		}
	}
}

// Get returns the conversation that ended with response id.
func (s *Store) Get(id string) ([]translate.ChatMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok {
		return nil, false
	}
	// The caller appends to it: a copy keeps the stored one intact.
	return append([]translate.ChatMessage(nil), e.conversation...), true
}

// Len is the number of responses kept.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}
