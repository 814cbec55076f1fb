// Command gemmbench times Sinter's SGEMM, conv and the peers (gonum, vek) on
// the shapes bench/ort times, and prints one JSON line per case with the
// same fields as bench/ort/run.js (median_ms, min_ms, runs), so that
// bench/run.sh can put them side by side.
//
//	go run ./cmd/gemmbench [-filter 1024] [-ms 1500] [-threads 1,2] [-peers]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sinter-ml/sinter/internal/cpu"
	"github.com/sinter-ml/sinter/kernels/conv"
	"github.com/sinter-ml/sinter/kernels/gemm"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/viterin/vek/vek32"
	"gonum.org/v1/gonum/blas"
	gonumblas "gonum.org/v1/gonum/blas/gonum"
)

type result struct {
	Model    string  `json:"model"`
	Impl     string  `json:"impl"`
	Threads  int     `json:"threads"`
	MedianMS float64 `json:"median_ms"`
	MinMS    float64 `json:"min_ms"`
	Runs     int     `json:"runs"`
	GFLOPS   float64 `json:"gflops"`
}

func randn(n int) []float32 {
	rng := rand.New(rand.NewPCG(uint64(n), 3))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

func measure(budget time.Duration, f func()) (median, minT float64, runs int) {
	for range 3 {
		f()
	}
	var ts []float64
	start := time.Now()
	for len(ts) < 10 || time.Since(start) < budget {
		t0 := time.Now()
		f()
		ts = append(ts, float64(time.Since(t0).Nanoseconds())/1e6)
		if len(ts) >= 100000 {
			break
		}
	}
	slices.Sort(ts)
	return ts[len(ts)/2], ts[0], len(ts)
}

// Model names follow bench/ort/gen_models.py: matmul_MxKxN_{in,w}, conv_<layer>.
var matmuls = [][3]int{{64, 64, 64}, {128, 128, 128}, {256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024},
	{2048, 2048, 2048}, {128, 384, 1536}, {128, 1536, 384}, {1, 768, 768}}

var convs = []struct {
	name                        string
	c, h, w, oc, k, stride, pad int
}{
	{"r50_conv1", 3, 224, 224, 64, 7, 2, 3},
	{"r50_l1_1x1a", 64, 56, 56, 64, 1, 1, 0},
	{"r50_l1_3x3", 64, 56, 56, 64, 3, 1, 1},
	{"r50_l1_1x1b", 64, 56, 56, 256, 1, 1, 0},
	{"r50_l2_3x3", 128, 28, 28, 128, 3, 1, 1},
	{"r50_l3_3x3", 256, 14, 14, 256, 3, 1, 1},
	{"r50_l4_1x1", 512, 7, 7, 2048, 1, 1, 0},
}

func main() {
	filter := flag.String("filter", "", "only models whose name contains this")
	ms := flag.Int("ms", 1500, "time budget per case, milliseconds")
	threadList := flag.String("threads", "1,2", "thread counts")
	peers := flag.Bool("peers", false, "also time gonum (1 thread) and vek (its own threads)")
	flag.Parse()
	var threads []int
	for _, s := range strings.Split(*threadList, ",") {
		n, err := strconv.Atoi(s)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		threads = append(threads, n)
	}
	budget := time.Duration(*ms) * time.Millisecond
	enc := json.NewEncoder(os.Stdout)
	fmt.Fprintf(os.Stderr, "sinter kernels: %s, gemm kernel %s\n", cpu.Name(), gemm.KernelName())
	emit := func(model, impl string, th int, flops float64, f func()) {
		med, mn, runs := measure(budget, f)
		_ = enc.Encode(result{model, impl, th, med, mn, runs, flops / mn / 1e6})
	}
	for _, s := range matmuls {
		m, k, n := s[0], s[1], s[2]
		a, b, c := randn(m*k), randn(k*n), make([]float32, m*n)
		flops := 2 * float64(m) * float64(n) * float64(k)
		name := fmt.Sprintf("matmul_%dx%dx%d", m, k, n)
		if !strings.Contains(name+"_in", *filter) && !strings.Contains(name+"_w", *filter) {
			continue
		}
		for _, th := range threads {
			pool := parallel.New(parallel.Options{Threads: th, Pin: true})
			o := gemm.Options{Pool: pool}
			emit(name+"_in", "sinter", th, flops, func() {
				gemm.SgemmWith(o, false, false, m, n, k, 1, a, k, b, n, 0, c, n)
			})
			pb := gemm.PackB(false, k, n, b, n)
			emit(name+"_w", "sinter", th, flops, func() {
				gemm.SgemmPacked(o, false, m, 1, a, k, pb, 0, c, n)
			})
			pool.Close()
		}
		if *peers {
			// gonum parallelises large products over GOMAXPROCS goroutines:
			// time it on one thread for the single-thread comparison.
			impl := gonumblas.Implementation{}
			prev := runtime.GOMAXPROCS(1)
			emit(name+"_in", "gonum", 1, flops, func() {
				impl.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, c, n)
			})
			runtime.GOMAXPROCS(prev)
			emit(name+"_in", "vek", 0, flops, func() { vek32.MatMul_Into(c, a, b, k) })
		}
	}
	for _, cv := range convs {
		name := "conv_" + cv.name
		if !strings.Contains(name, *filter) {
			continue
		}
		p := conv.Params{N: 1, C: cv.c, H: cv.h, W: cv.w, OC: cv.oc, KH: cv.k, KW: cv.k,
			StrideH: cv.stride, StrideW: cv.stride, PadT: cv.pad, PadL: cv.pad, PadB: cv.pad, PadR: cv.pad}
		if err := p.Validate(); err != nil {
			panic(err)
		}
		x, w, bias := randn(cv.c*cv.h*cv.w), randn(cv.oc*cv.c*cv.k*cv.k), randn(cv.oc)
		y := make([]float32, cv.oc*p.OutH()*p.OutW())
		flops := 2 * float64(cv.oc) * float64(p.OutH()*p.OutW()) * float64(cv.c*cv.k*cv.k)
		// Weights are packed once, as the compiler does with initializers
		// (and as ORT pre-packs them).
		pw, err := conv.PackWeights(p, w)
		if err != nil {
			panic(err)
		}
		for _, th := range threads {
			pool := parallel.New(parallel.Options{Threads: th, Pin: true})
			emit(name, "sinter", th, flops, func() {
				if err := conv.Conv2DPacked(conv.Options{Pool: pool}, p, x, pw, bias, y); err != nil {
					panic(err)
				}
			})
			pool.Close()
		}
	}
}
