package proxy

import (
	"bytes"
	"sync"
)

// bufPool recycles the buffers that hold request and answer bodies.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const (
	// maxPreallocation bounds the room reserved for a body before its bytes
	// arrive: a Content-Length is only a claim, and a client announcing
	// 32 MB and sending nothing must not cost 32 MB.
	maxPreallocation = 64 << 10
	// maxPooledBuffer is the largest buffer kept for reuse; a pool full of
	// the rare huge bodies would hold their memory for good.
	maxPooledBuffer = 1 << 20
)

func getBuffer() *bytes.Buffer { return bufPool.Get().(*bytes.Buffer) }

// putBuffer returns buf to the pool, unless it grew too large to keep.
func putBuffer(buf *bytes.Buffer) {
	if buf.Cap() > maxPooledBuffer {
		return
	}
	buf.Reset()
	bufPool.Put(buf)
}
