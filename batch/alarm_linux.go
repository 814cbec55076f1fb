package batch

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// kernelAlarm is an alarm on a Linux timerfd. The descriptor is
// non-blocking, so os.NewFile registers it with the Go runtime's poller: a
// goroutine parked in Read costs no thread, and the timer's expiry wakes
// the poller at once rather than at its next whole millisecond.
type kernelAlarm struct {
	fd   int
	f    *os.File
	done chan struct{} // closed when the reading goroutine has returned
}

func newKernelAlarm(fire func()) (alarmImpl, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	k := &kernelAlarm{fd: fd, f: os.NewFile(uintptr(fd), "batch-alarm"), done: make(chan struct{})}
	go k.read(fire)
	return k, nil
}

// read calls fire once per expiry until the file is closed.
func (k *kernelAlarm) read(fire func()) {
	defer close(k.done)
	var buf [8]byte // the number of expiries since the last read
	for {
		if _, err := k.f.Read(buf[:]); err != nil {
			return
		}
		fire()
	}
}

func (k *kernelAlarm) arm(d time.Duration) {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	// A zero it_value disarms the timer; error returns are impossible for a
	// valid descriptor and value.
	_ = unix.TimerfdSettime(k.fd, 0, &spec, nil)
}

func (k *kernelAlarm) set(d time.Duration) { k.arm(max(d, time.Nanosecond)) }
func (k *kernelAlarm) stop()               { k.arm(0) }

func (k *kernelAlarm) close() {
	k.arm(0)
	k.f.Close()
	<-k.done
}
