package allocs

import (
	"errors"
	"testing"
)

var sink []byte

func TestCount(t *testing.T) {
	n, err := Count(10, func() error { sink = make([]byte, 64); return nil })
	if err != nil || n < 10 {
		t.Errorf("10 runs of one allocation counted %d (%v)", n, err)
	}
	n, err = Count(10, func() error { return nil })
	if err != nil || n > 1 {
		t.Errorf("10 runs of nothing counted %d (%v)", n, err)
	}
	boom := errors.New("boom")
	if _, err := Count(3, func() error { return boom }); err != boom {
		t.Errorf("error %v, want boom", err)
	}
}
