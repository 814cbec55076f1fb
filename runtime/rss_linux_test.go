//go:build !race

// The race detector keeps shadow memory for the heap, several times its
// size, so resident-memory measurements mean nothing under it.

package runtime

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/formats/onnx"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

// TestLoadDoesNotDuplicateWeights loads a model of 4 dense layers (about
// 34 MB of float32 weights) in a child process and checks that the memory
// loading, compiling and one run add to the process stays within 1.3× the
// file size: the packed weight copies replace the mapped originals in
// memory instead of adding to them. (The yardstick is a 100 MB
// model; bench/RESULTS.md records that measurement, this keeps CI fast:
// SINTER_RSS_DIM=2560 makes the layers 2560 wide, a 104.9 MB file.)
func TestLoadDoesNotDuplicateWeights(t *testing.T) {
	if path := os.Getenv("SINTER_RSS_CHILD"); path != "" {
		rssChild(path)
		return
	}
	if testing.Short() {
		t.Skip("writes and loads a 34 MB model")
	}
	dim := 1448
	if v, err := strconv.Atoi(os.Getenv("SINTER_RSS_DIM")); err == nil && v > 0 {
		dim = v
	}
	path := filepath.Join(t.TempDir(), "dense.onnx")
	if err := writeDenseModel(path, dim, 4); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadDoesNotDuplicateWeights$")
	cmd.Env = append(os.Environ(), "SINTER_RSS_CHILD="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var before, peak int64
	for _, line := range strings.Split(string(out), "\n") {
		if _, err := fmt.Sscanf(line, "rss before %d peak %d", &before, &peak); err == nil {
			break
		}
	}
	if peak == 0 {
		t.Fatalf("child printed no measurement:\n%s", out)
	}
	added := peak - before
	ratio := float64(added) / float64(st.Size())
	t.Logf("file %d bytes; resident before load %d, peak %d: load+compile+run added %.2f× the file", st.Size(), before, peak, ratio)
	if ratio > 1.3 {
		t.Errorf("loading added %.2f× the file size to peak RSS, want ≤ 1.3×", ratio)
	}
}

// rssChild opens the model, runs it once and prints resident memory
// before and the peak after.
func rssChild(path string) {
	before := procStatus("VmRSS")
	s, err := Open(path, WithThreads(1))
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	x := tensor.New(tensor.Float32, 1, int(s.Inputs()[0].Type.Shape[1].Value))
	if _, err := s.Run([]*tensor.Tensor{x}); err != nil {
		fmt.Println("run:", err)
		os.Exit(1)
	}
	fmt.Printf("rss before %d peak %d\n", before, procStatus("VmHWM"))
	s.Close()
}

// procStatus reads a "kB" field of /proc/self/status, in bytes.
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err == nil {
			return kb * 1024
		}
	}
	return 0
}

// writeDenseModel writes an MLP of layers Gemm(d×d)+Relu blocks.
func writeDenseModel(path string, d, layers int) error {
	rng := rand.New(rand.NewPCG(3, 4))
	g := &ir.Graph{Name: "dense"}
	dim := func(v int) ir.Dim { return ir.Dim{Value: int64(v), Known: true} }
	ty := &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32, Shape: []ir.Dim{{Param: "n"}, dim(d)}, HasShape: true}
	g.Inputs = []*ir.ValueInfo{{Name: "x", Type: ty}}
	x := "x"
	for i := range layers {
		w := tensor.New(tensor.Float32, d, d)
		for j := range w.Float32s() {
			w.Float32s()[j] = float32(rng.NormFloat64() * 0.02)
		}
		wn, bn, h, r := fmt.Sprintf("w%d", i), fmt.Sprintf("b%d", i), fmt.Sprintf("h%d", i), fmt.Sprintf("r%d", i)
		g.Initializers = append(g.Initializers, &ir.Initializer{Name: wn, Tensor: w},
			&ir.Initializer{Name: bn, Tensor: tensor.New(tensor.Float32, d)})
		g.Nodes = append(g.Nodes, &ir.Node{OpType: "Gemm", Inputs: []string{x, wn, bn}, Outputs: []string{h}},
			&ir.Node{OpType: "Relu", Inputs: []string{h}, Outputs: []string{r}})
		x = r
	}
	g.Outputs = []*ir.ValueInfo{{Name: x, Type: ty}}
	b, err := onnx.Encode(&ir.Model{IRVersion: 8, Opsets: map[string]int64{"": 13}, Graph: g})
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	// Written back, the file's pages are clean: the kernel can then drop
	// them at once when asked to (a freshly written, dirty page cache
	// would first need writing out).
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
