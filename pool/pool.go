// Package pool recycles tensor buffers by shape and element type, so a
// serving loop that builds the same batch shapes over and over stops
// allocating once it has warmed up.
//
// A buffer handed out by Get is always zero-filled, whether it is new or
// reused. Statistics report hits, misses and the bytes the pool holds.
package pool

import (
	"sync"

	"github.com/sinter-ml/sinter/tensor"
)

// Pool keeps up to a fixed number of free tensors per (shape, dtype). It is
// safe for concurrent use. The zero Pool is not usable: call New.
type Pool struct {
	max int

	mu      sync.Mutex
	buckets map[uint64]*bucket // by shapeHash; collisions chain through next
	stats   Stats
}

type bucket struct {
	dt    tensor.DType
	shape tensor.Shape
	free  []*tensor.Tensor
	next  *bucket
}

// Stats are a pool's counters.
type Stats struct {
	Hits      int64 // Gets served from a free buffer
	Misses    int64 // Gets that allocated
	Puts      int64 // buffers accepted back
	Discarded int64 // buffers refused by Put (bucket full, string or malformed tensors)
	Buffers   int   // free buffers held now
	BytesHeld int64 // bytes of storage held by those buffers
}

// New returns a pool that keeps at most maxBuffersPerShape free buffers for
// each (shape, dtype); values below 1 mean 1.
func New(maxBuffersPerShape int) *Pool {
	return &Pool{max: max(maxBuffersPerShape, 1), buckets: make(map[uint64]*bucket)}
}

// shapeHash mixes dt and shape (FNV-1a over the dims). Equal keys give equal
// hashes; the bucket compares the key itself, so collisions are harmless.
func shapeHash(shape []int, dt tensor.DType) uint64 {
	h := uint64(14695981039346656037) ^ uint64(dt)
	h *= 1099511628211
	for _, d := range shape {
		h ^= uint64(d)
		h *= 1099511628211
	}
	return h
}

func (p *Pool) find(h uint64, shape []int, dt tensor.DType) *bucket {
	for b := p.buckets[h]; b != nil; b = b.next {
		if b.dt == dt && b.shape.Equal(shape) {
			return b
		}
	}
	return nil
}

// Get returns a zero-filled tensor of the given shape and dtype, reusing a
// free buffer when the pool has one. It panics, as tensor.New does, on an
// invalid shape or dtype; String tensors are never pooled.
func (p *Pool) Get(shape []int, dt tensor.DType) *tensor.Tensor {
	if dt != tensor.String {
		h := shapeHash(shape, dt)
		p.mu.Lock()
		if b := p.find(h, shape, dt); b != nil && len(b.free) > 0 {
			t := b.free[len(b.free)-1]
			b.free[len(b.free)-1] = nil
			b.free = b.free[:len(b.free)-1]
			p.stats.Hits++
			p.stats.Buffers--
			p.stats.BytesHeld -= int64(len(t.Bytes()))
			p.mu.Unlock()
			clear(t.Bytes())
			return t
		}
		p.stats.Misses++
		p.mu.Unlock()
	}
	return tensor.New(dt, shape...)
}

// Put offers t back to the pool. The caller must own t exclusively: no view
// of its storage (Rows, Reshape, an output that aliases it) may still be in
// use, and t must not be touched after Put. Tensors whose bucket is full, and
// String tensors, are dropped for the garbage collector.
func (p *Pool) Put(t *tensor.Tensor) {
	if t == nil {
		return
	}
	dt, shape := t.DType(), t.Shape()
	if dt == tensor.String || len(t.Bytes()) != shape.NumElements()*dt.Size() {
		p.mu.Lock()
		p.stats.Discarded++
		p.mu.Unlock()
		return
	}
	h := shapeHash(shape, dt)
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.find(h, shape, dt)
	if b == nil {
		b = &bucket{dt: dt, shape: shape.Clone(), free: make([]*tensor.Tensor, 0, p.max), next: p.buckets[h]}
		p.buckets[h] = b
	}
	if len(b.free) >= p.max {
		p.stats.Discarded++
		return
	}
	b.free = append(b.free, t)
	p.stats.Puts++
	p.stats.Buffers++
	p.stats.BytesHeld += int64(len(t.Bytes()))
}

// Clear drops every free buffer; the counters other than Buffers and
// BytesHeld are kept.
func (p *Pool) Clear() {
	p.mu.Lock()
	clear(p.buckets)
	p.stats.Buffers = 0
	p.stats.BytesHeld = 0
	p.mu.Unlock()
}

// Stats returns a snapshot of the counters.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}
