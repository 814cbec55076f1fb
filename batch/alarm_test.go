package batch

import (
	"runtime"
	"testing"
	"time"
)

// alarmImpls are the alarms this system offers: the Go timer always, the
// kernel timer where there is one.
func alarmImpls(t *testing.T) map[string]func(fire func()) alarmImpl {
	m := map[string]func(fire func()) alarmImpl{
		"go": func(fire func()) alarmImpl { return newGoAlarm(fire) },
	}
	if k, err := newKernelAlarm(func() {}); err == nil {
		k.close()
		m["kernel"] = func(fire func()) alarmImpl {
			k, err := newKernelAlarm(fire)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
	} else if runtime.GOOS == "linux" {
		t.Errorf("no timerfd on Linux: %v", err)
	}
	return m
}

func TestAlarm(t *testing.T) {
	for name, mk := range alarmImpls(t) {
		t.Run(name, func(t *testing.T) {
			a := &alarm{c: make(chan struct{}, 1)}
			a.impl = mk(a.fire)
			defer a.close()

			// It fires once, not before its time.
			t0 := time.Now()
			a.set(3 * time.Millisecond)
			<-a.c
			if d := time.Since(t0); d < 3*time.Millisecond {
				t.Errorf("fired after %v, set for 3ms", d)
			}
			select {
			case <-a.c:
				t.Error("fired twice")
			case <-time.After(10 * time.Millisecond):
			}

			// A later set replaces an earlier one; stop disarms.
			a.set(time.Hour)
			a.set(time.Millisecond)
			select {
			case <-a.c:
			case <-time.After(5 * time.Second):
				t.Fatal("re-armed alarm did not fire")
			}
			a.set(2 * time.Millisecond)
			a.stop()
			select {
			case <-a.c:
				t.Error("stopped alarm fired")
			case <-time.After(20 * time.Millisecond):
			}

			// A non-positive duration fires at once.
			a.set(0)
			select {
			case <-a.c:
			case <-time.After(5 * time.Second):
				t.Fatal("alarm set to 0 did not fire")
			}
		})
	}
}

// TestAlarmCloseEndsGoroutine: close returns only when the alarm's own
// goroutine has, so a stopped Batcher leaves none behind.
func TestAlarmCloseEndsGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 20 {
		a := newAlarm()
		a.set(time.Microsecond)
		a.close()
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after closing 20 alarms, %d before", n, before)
	}
}
