package runtime

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"sync"

	"github.com/sinter-ml/sinter/tensor"
)

// De-duplication keys a request on the model, and each input's dtype, shape
// and bytes. A hash finds candidates; a hit compares the key in full, so a
// hash collision can never return another request's result.

var hashSeed = maphash.MakeSeed()

// dedupable reports whether inputs can be keyed (numeric or bool tensors).
func dedupable(inputs []*tensor.Tensor) bool {
	for _, t := range inputs {
		if t == nil || t.DType() == tensor.String {
			return false
		}
	}
	return true
}

func hashInputs(inputs []*tensor.Tensor) uint64 {
	var h maphash.Hash
	h.SetSeed(hashSeed)
	var buf [8]byte
	for _, t := range inputs {
		h.WriteByte(byte(t.DType()))
		h.WriteByte(byte(t.Rank()))
		for _, d := range t.Shape() {
			binary.LittleEndian.PutUint64(buf[:], uint64(d))
			h.Write(buf[:])
		}
		h.Write(t.Bytes())
	}
	return h.Sum64()
}

func sameInputs(a, b []*tensor.Tensor) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].DType() != b[i].DType() || !a[i].Shape().Equal(b[i].Shape()) || !bytes.Equal(a[i].Bytes(), b[i].Bytes()) {
			return false
		}
	}
	return true
}

// resultCache is an LRU of results by input key.
type resultCache struct {
	mu         sync.Mutex
	max        int
	m          map[uint64]*cacheEntry
	head, tail *cacheEntry // most recent first
	n          int
}

type cacheEntry struct {
	hash       uint64
	model      uint64
	inputs     []*tensor.Tensor // owned copies
	outputs    []*tensor.Tensor // owned copies
	prev, next *cacheEntry      // LRU list
	chain      *cacheEntry      // same hash
}

func newResultCache(max int) *resultCache {
	return &resultCache{max: max, m: make(map[uint64]*cacheEntry)}
}

// get returns copies of the cached outputs for inputs under model.
func (c *resultCache) get(h, model uint64, inputs []*tensor.Tensor) ([]*tensor.Tensor, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for en := c.m[h]; en != nil; en = en.chain {
		if en.model == model && sameInputs(en.inputs, inputs) {
			c.unlink(en)
			c.pushFront(en)
			return cloneAll(en.outputs), true
		}
	}
	return nil, false
}

// put stores copies of inputs and outputs, evicting the least recently used
// entry when full.
func (c *resultCache) put(h, model uint64, inputs, outputs []*tensor.Tensor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for en := c.m[h]; en != nil; en = en.chain {
		if en.model == model && sameInputs(en.inputs, inputs) {
			return
		}
	}
	if c.n >= c.max && c.tail != nil {
		c.evict(c.tail)
	}
	en := &cacheEntry{hash: h, model: model, inputs: cloneAll(inputs), outputs: cloneAll(outputs), chain: c.m[h]}
	c.m[h] = en
	c.pushFront(en)
	c.n++
}

func (c *resultCache) evict(en *cacheEntry) {
	c.unlink(en)
	c.n--
	var prev *cacheEntry
	for x := c.m[en.hash]; x != nil; prev, x = x, x.chain {
		if x != en {
			continue
		}
		switch {
		case prev != nil:
			prev.chain = x.chain
		case x.chain != nil:
			c.m[en.hash] = x.chain
		default:
			delete(c.m, en.hash)
		}
		return
	}
}

func (c *resultCache) clear() {
	c.mu.Lock()
	clear(c.m)
	c.head, c.tail, c.n = nil, nil, 0
	c.mu.Unlock()
}

func (c *resultCache) unlink(en *cacheEntry) {
	if en.prev != nil {
		en.prev.next = en.next
	} else {
		c.head = en.next
	}
	if en.next != nil {
		en.next.prev = en.prev
	} else {
		c.tail = en.prev
	}
	en.prev, en.next = nil, nil
}

func (c *resultCache) pushFront(en *cacheEntry) {
	en.next = c.head
	if c.head != nil {
		c.head.prev = en
	}
	c.head = en
	if c.tail == nil {
		c.tail = en
	}
}

// flightTable tracks the computations in progress, so an identical request
// dispatched meanwhile waits for the running one instead of computing again.
type flightTable struct {
	mu sync.Mutex
	m  map[uint64]*flight
}

type flight struct {
	leader    *Future
	model     uint64
	followers []*Future
	chain     *flight
}

// join attaches f to a running identical computation, or registers f as
// the leader of a new one; it reports whether f became a follower.
func (t *flightTable) join(f *Future, model uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for fl := t.m[f.hash]; fl != nil; fl = fl.chain {
		if fl.model == model && sameInputs(fl.leader.inputs, f.inputs) {
			fl.followers = append(fl.followers, f)
			return true
		}
	}
	t.m[f.hash] = &flight{leader: f, model: model, chain: t.m[f.hash]}
	return false
}

// done unregisters leader's computation and returns its followers.
func (t *flightTable) done(leader *Future, model uint64) []*Future {
	t.mu.Lock()
	defer t.mu.Unlock()
	var prev *flight
	for fl := t.m[leader.hash]; fl != nil; prev, fl = fl, fl.chain {
		if fl.leader == leader {
			if prev != nil {
				prev.chain = fl.chain
			} else if fl.chain != nil {
				t.m[leader.hash] = fl.chain
			} else {
				delete(t.m, leader.hash)
			}
			return fl.followers
		}
	}
	return nil
}
