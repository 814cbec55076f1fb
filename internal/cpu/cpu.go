// Package cpu reads the processor's features once and names the kernel tier
// the rest of Sinter dispatches on.
//
// Kernels never test feature bits in their loops: they ask for [Current] (one
// atomic load) and index a table built per [Tier]. Tests and users can force a
// lower tier with the SINTER_CPU environment variable (read once at start-up),
// [SetTier], or [Disable], which returns a function restoring the previous state:
//
//	defer cpu.Disable(cpu.AVX512)()
package cpu

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/klauspost/cpuid/v2"
)

// Tier is a level of kernel implementation. Higher tiers need more of the
// processor; every tier runs on a machine that supports it and all below it
// on the same architecture.
type Tier int32

// The tiers, lowest first. Generic is the pure-Go code that runs everywhere.
const (
	Generic Tier = iota // pure Go
	AVX2                // amd64: AVX2 + FMA3 + F16C
	AVX512              // amd64: AVX-512 F/BW/VL/DQ (implies AVX2)
	NEON                // arm64: Advanced SIMD (always present on arm64)
	numTiers
)

// NumTiers is the number of tiers, for tables indexed by Tier.
const NumTiers = int(numTiers)

var tierNames = [...]string{Generic: "generic", AVX2: "avx2", AVX512: "avx512", NEON: "neon"}

// String returns the tier's name as SINTER_CPU spells it.
func (t Tier) String() string {
	if t >= 0 && t < numTiers {
		return tierNames[t]
	}
	return fmt.Sprintf("Tier(%d)", int32(t))
}

// ParseTier reads a tier name ("generic", "avx2", "avx512", "neon";
// "purego" and "go" are accepted for generic).
func ParseTier(s string) (Tier, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "generic", "purego", "go", "none":
		return Generic, nil
	case "avx2":
		return AVX2, nil
	case "avx512", "avx-512":
		return AVX512, nil
	case "neon", "asimd":
		return NEON, nil
	}
	return Generic, fmt.Errorf("cpu: unknown tier %q (want generic, avx2, avx512 or neon)", s)
}

// Features the processor has, as read once at start-up.
type Features struct {
	AVX2, FMA, F16C                  bool
	AVX512F, AVX512BW, AVX512VL      bool
	AVX512DQ, AVX512VNNI, AVX512BF16 bool
	AVXVNNI                          bool
	ASIMD, ASIMDDP                   bool // arm64
	Brand                            string
	L1D, L2, L3                      int // data cache bytes per core (L3: per complex), 0 if unknown
	CacheLine                        int
}

// Has reports the features read from the processor (unaffected by overrides).
var Has Features

var (
	best    Tier         // highest tier this machine and build support
	current atomic.Int32 // tier in force
	envErr  error        // SINTER_CPU could not be used
	mu      sync.Mutex   // serialises SetTier/Disable
)

// EnvVar is the environment variable that forces a lower tier at start-up.
const EnvVar = "SINTER_CPU"

func init() {
	c := cpuid.CPU
	Has = Features{
		AVX2:       c.Supports(cpuid.AVX, cpuid.AVX2, cpuid.OSXSAVE),
		FMA:        c.Supports(cpuid.FMA3),
		F16C:       c.Supports(cpuid.F16C),
		AVX512F:    c.Supports(cpuid.AVX512F),
		AVX512BW:   c.Supports(cpuid.AVX512BW),
		AVX512VL:   c.Supports(cpuid.AVX512VL),
		AVX512DQ:   c.Supports(cpuid.AVX512DQ),
		AVX512VNNI: c.Supports(cpuid.AVX512VNNI),
		AVX512BF16: c.Supports(cpuid.AVX512BF16),
		AVXVNNI:    c.Supports(cpuid.AVXVNNI),
		ASIMD:      c.Supports(cpuid.ASIMD),
		ASIMDDP:    c.Supports(cpuid.ASIMDDP),
		Brand:      c.BrandName,
		L1D:        positive(c.Cache.L1D),
		L2:         positive(c.Cache.L2),
		L3:         positive(c.Cache.L3),
		CacheLine:  positive(c.CacheLine),
	}
	best = detect()
	current.Store(int32(best))
	if s := os.Getenv(EnvVar); s != "" {
		t, err := ParseTier(s)
		if err == nil {
			err = SetTier(t)
		}
		envErr = err
	}
}

func positive(v int) int {
	if v < 0 {
		return 0
	}
	return v
}

// detect picks the best tier for this architecture and build (see arch_*.go).
func detect() Tier {
	if pureGo {
		return Generic
	}
	return detectArch()
}

// Current returns the tier kernels should use now.
func Current() Tier { return Tier(current.Load()) }

// Best returns the highest tier this machine and build support.
func Best() Tier { return best }

// Name describes the tier in force and the machine, for `sinter version` and
// `sinter inspect`, e.g. "avx512 (AMD EPYC; L1d 32K L2 1024K L3 32768K)".
func Name() string {
	s := Current().String()
	if Current() != best {
		s += " (forced; best " + best.String() + ")"
	}
	if pureGo {
		s += " [purego build]"
	}
	var d []string
	if Has.Brand != "" {
		d = append(d, Has.Brand)
	}
	if Has.L1D > 0 || Has.L2 > 0 {
		d = append(d, fmt.Sprintf("L1d %dK L2 %dK L3 %dK", Has.L1D>>10, Has.L2>>10, Has.L3>>10))
	}
	if len(d) > 0 {
		s += " (" + strings.Join(d, "; ") + ")"
	}
	return s
}

// EnvError reports why SINTER_CPU was ignored, or nil.
func EnvError() error { return envErr }

// Supported reports whether tier t can run on this machine and build.
func Supported(t Tier) bool {
	if t == Generic {
		return true
	}
	if t < 0 || t >= numTiers {
		return false
	}
	if t == NEON {
		return best == NEON
	}
	// amd64 tiers are ordered.
	return best != NEON && t <= best
}

// SetTier forces tier t (which must be supported) and returns an error
// otherwise. Kernels in flight finish on the tier they started with.
func SetTier(t Tier) error {
	if !Supported(t) {
		return fmt.Errorf("cpu: tier %v not supported here (best %v)", t, best)
	}
	mu.Lock()
	current.Store(int32(t))
	mu.Unlock()
	return nil
}

// Reset restores the best tier.
func Reset() {
	mu.Lock()
	current.Store(int32(best))
	mu.Unlock()
}

// Disable lowers the tier in force so that it does not use t (or anything
// above it on the same architecture) and returns a function that restores the
// previous tier. Disabling Generic is a no-op.
func Disable(t Tier) (restore func()) {
	mu.Lock()
	prev := Tier(current.Load())
	next := prev
	switch {
	case t == Generic:
	case t == NEON && prev == NEON:
		next = Generic
	case t == AVX2 && (prev == AVX2 || prev == AVX512):
		next = Generic
	case t == AVX512 && prev == AVX512:
		next = AVX2
	}
	current.Store(int32(next))
	mu.Unlock()
	return func() {
		mu.Lock()
		current.Store(int32(prev))
		mu.Unlock()
	}
}

// Tiers lists every tier supported here, lowest first; tests run each.
func Tiers() []Tier {
	var ts []Tier
	for t := Tier(0); t < numTiers; t++ {
		if Supported(t) {
			ts = append(ts, t)
		}
	}
	return ts
}
