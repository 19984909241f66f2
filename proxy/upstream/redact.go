package upstream

import (
	"bytes"
	"encoding/binary"
	"io"
	"slices"
	"strings"
	"sync"
)

// Redacted replaces a secret, or a piece of one, in upstream text.
const Redacted = "[redacted]"

// minKeyRun is the shortest piece of the API key that is redacted: an
// upstream (or a proxy in between) may quote the key whole, cut, or with its
// first characters masked, and 8 characters of a random key are already
// enough to matter. Shorter runs are common in ordinary text ("sk-", hex).
// It must be at least 7 for the sampling in redact to find every run.
const minKeyRun = 8

// keyPrefix starts every OpenRouter key; a run of it alone is no secret, and
// error texts name it ("keys start with sk-or-v1-").
const keyPrefix = "sk-or-v1-"

// redactor removes the API key, any run of at least minKeyRun of its bytes,
// and the other secrets (the access token, matched whole) from text. It is
// the one place where upstream text is cleaned: the client passes every
// response body and every error through it before Freelane sees them.
type redactor struct {
	key    []byte
	public int                   // length of the key's published prefix ("sk-or-v1-"), which is no secret
	grams  map[uint32][]int      // start offsets in key of each 4-byte window
	seen   *[1 << 16 / 64]uint64 // a bit per hash of the windows in grams: most text misses here, cheaply
	exact  [][]byte              // secrets redacted only whole: the token, a key shorter than minKeyRun
	bytes  [256]bool             // the bytes that occur in some secret
	max    int                   // length of the longest secret
}

func newRedactor(key string, others ...string) *redactor {
	r := &redactor{}
	add := func(s string) {
		for i := range len(s) {
			r.bytes[s[i]] = true
		}
		r.max = max(r.max, len(s))
	}
	if len(key) >= minKeyRun {
		r.key = []byte(key)
		if strings.HasPrefix(key, keyPrefix) {
			r.public = len(keyPrefix)
		}
		r.grams = make(map[uint32][]int, len(key))
		r.seen = new([1 << 16 / 64]uint64)
		for i := 0; i+4 <= len(key); i++ {
			g := binary.LittleEndian.Uint32(r.key[i:])
			r.grams[g] = append(r.grams[g], i)
			h := gramHash(g)
			r.seen[h/64] |= 1 << (h % 64)
		}
		add(key)
	} else if key != "" {
		r.exact = append(r.exact, []byte(key))
		add(key)
	}
	for _, s := range others {
		if s != "" {
			r.exact = append(r.exact, []byte(s))
			add(s)
		}
	}
	return r
}

func (r *redactor) empty() bool { return r.key == nil && len(r.exact) == 0 }

// String is redact for a string.
func (r *redactor) String(s string) string {
	if r.empty() {
		return s
	}
	out := r.redact([]byte(s))
	return string(out)
}

// redact returns text without the secrets. Text without any is returned
// itself, without allocation.
func (r *redactor) redact(text []byte) []byte {
	out, _ := r.redactTo(text, len(text))
	return out
}

// span is a secret found in a text: text[start:end].
type span struct{ start, end int }

// redactTo returns text[:used] without the secrets, where used is limit or,
// when a secret found in the whole text starts before limit and ends past
// it, its end: text[limit:] is only context that completes such a secret.
func (r *redactor) redactTo(text []byte, limit int) (out []byte, used int) {
	spans := r.find(text)
	if spans == nil {
		return text[:limit], limit
	}
	out = make([]byte, 0, limit)
	done := 0
	for _, sp := range spans {
		if sp.start >= limit {
			break
		}
		if sp.start > done {
			out = append(out, text[done:sp.start]...)
		}
		if sp.end > done {
			out = append(out, Redacted...)
			done = sp.end
		}
	}
	used = max(limit, done)
	return append(out, text[done:used]...), used
}

// find returns the secrets in text in order of their start; nil when none.
func (r *redactor) find(text []byte) []span {
	var spans []span
	if r.key != nil {
		// Every run of >= minKeyRun secret key bytes holds a 4-byte window
		// that starts at a multiple of 4 past the previous run, so sampling
		// those finds it.
		from := 0
		for p := 0; p+4 <= len(text); {
			start, end, secret := r.keyRunAt(text, p, from)
			if secret < minKeyRun {
				p += 4
				continue
			}
			spans = append(spans, span{start, end})
			from, p = end, end
		}
	}
	for _, s := range r.exact {
		for at := 0; ; {
			i := bytes.Index(text[at:], s)
			if i < 0 {
				break
			}
			spans = append(spans, span{at + i, at + i + len(s)})
			at += i + len(s)
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	return spans
}

// keyRunAt returns the run text[start:end] that is also a piece of the key,
// contains text[p:p+4] and does not reach before from, with the most bytes
// past the key's public prefix (secret); secret is 0 when text[p:p+4] is not
// in the key.
func (r *redactor) keyRunAt(text []byte, p, from int) (start, end, secret int) {
	g := binary.LittleEndian.Uint32(text[p:])
	if h := gramHash(g); r.seen[h/64]&(1<<(h%64)) == 0 {
		return 0, 0, 0
	}
	for _, q := range r.grams[g] {
		l := 0
		for p-l > from && q-l > 0 && text[p-l-1] == r.key[q-l-1] {
			l++
		}
		n := 4
		for p+n < len(text) && q+n < len(r.key) && text[p+n] == r.key[q+n] {
			n++
		}
		if s := q + n - max(q-l, r.public); s > secret {
			start, end, secret = p-l, p+n, s
		}
	}
	return start, end, secret
}

// gramHash spreads a 4-byte window over 16 bits (Fibonacci hashing).
func gramHash(g uint32) uint32 { return (g * 2654435769) >> 16 }

// pending returns how many bytes at the end of data could begin a secret
// that the next read completes: the longest suffix that is a piece of the
// key or the start of another secret. SSE events end in a newline, which no
// secret holds, so a stream is never held back between events.
func (r *redactor) pending(data []byte) int {
	if len(data) == 0 || !r.bytes[data[len(data)-1]] {
		return 0
	}
	for n := min(len(data), r.max); n > 0; n-- {
		tail := data[len(data)-n:]
		if r.key != nil && bytes.Contains(r.key, tail) {
			return n
		}
		for _, s := range r.exact {
			if bytes.HasPrefix(s, tail) {
				return n
			}
		}
	}
	return 0
}

// redactBufferSize is the size of a redacting body's read buffer.
const redactBufferSize = 16 << 10

var redactBuffers = sync.Pool{New: func() any {
	buf := make([]byte, redactBufferSize)
	return &buf
}}

// redactingBody is a response body read through a redactor. A secret cut
// across two reads is still found: the bytes that could begin one wait for
// the next read.
type redactingBody struct {
	body   io.ReadCloser
	r      *redactor
	pooled *[]byte
	out    []byte // redacted bytes not yet returned
	held   []byte // bytes at the end of the last read that could begin a secret
	err    error  // the body's read error, returned once out and held are drained
}

func (r *redactor) body(body io.ReadCloser) io.ReadCloser {
	if r.empty() {
		return body
	}
	return &redactingBody{body: body, r: r}
}

func (b *redactingBody) Read(p []byte) (int, error) {
	for len(b.out) == 0 {
		if b.err != nil {
			if len(b.held) > 0 {
				b.out, b.held = b.r.redact(b.held), nil
				continue
			}
			return 0, b.err
		}
		if b.pooled == nil {
			b.pooled = redactBuffers.Get().(*[]byte)
		}
		buf := *b.pooled
		n := copy(buf, b.held) // held is in buf; copy moves overlapping bytes correctly
		m, err := b.body.Read(buf[n:])
		b.err = err
		data := buf[:n+m]
		limit := len(data)
		if err == nil {
			limit -= b.r.pending(data)
		}
		var used int
		b.out, used = b.r.redactTo(data, limit)
		b.held = data[used:]
	}
	n := copy(p, b.out)
	b.out = b.out[n:]
	return n, nil
}

func (b *redactingBody) Close() error {
	err := b.body.Close()
	if b.pooled != nil && len(b.out) == 0 {
		redactBuffers.Put(b.pooled)
		b.pooled = nil
	}
	b.out, b.held = nil, nil
	return err
}
