package batch

import "time"

// alarm is the clock goroutine's one timer: set arms it to fire once after
// d, replacing any earlier setting, and each firing sends on c (buffered,
// so a firing nobody has received yet is not repeated). A stale firing is
// harmless: the clock recomputes everything from the current time.
//
// Why not time.Timer alone: on Linux the Go runtime sleeps in epoll_wait
// with a whole-millisecond timeout, so a Go timer on an idle process fires
// on average half a millisecond late and up to a whole one. Queued
// deadlines are promised to fire within 2 ms, and scheduling noise on a
// busy machine takes the rest of that budget; a kernel timer (timerfd,
// alarm_linux.go) whose readiness wakes the poller at once fires within
// tens of microseconds. Elsewhere, or if the kernel refuses, the Go timer
// below is used.
type alarm struct {
	c    chan struct{}
	impl alarmImpl
}

// alarmImpl is one way to fire an alarm.
type alarmImpl interface {
	set(d time.Duration)
	stop()
	close()
}

func newAlarm() *alarm {
	a := &alarm{c: make(chan struct{}, 1)}
	if k, err := newKernelAlarm(a.fire); err == nil {
		a.impl = k
	} else {
		a.impl = newGoAlarm(a.fire)
	}
	return a
}

func (a *alarm) fire() {
	select {
	case a.c <- struct{}{}:
	default:
	}
}

// set arms the alarm to fire once after d (as soon as possible if d ≤ 0).
func (a *alarm) set(d time.Duration) { a.impl.set(d) }

// stop disarms the alarm.
func (a *alarm) stop() { a.impl.stop() }

// close disarms the alarm and releases what it holds; when it returns, no
// goroutine of the alarm's is left.
func (a *alarm) close() { a.impl.close() }

// goAlarm is an alarm on a Go timer.
type goAlarm struct{ t *time.Timer }

func newGoAlarm(fire func()) *goAlarm {
	t := time.AfterFunc(time.Hour, fire)
	t.Stop()
	return &goAlarm{t: t}
}

func (g *goAlarm) set(d time.Duration) { g.t.Reset(max(d, 0)) }
func (g *goAlarm) stop()               { g.t.Stop() }
func (g *goAlarm) close()              { g.t.Stop() }
