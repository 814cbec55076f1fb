//go:build !linux

package batch

import (
	"errors"
)

func newKernelAlarm(func()) (alarmImpl, error) {
	return nil, errors.New("batch: no kernel timer on this system")
}
