// Package bench compares Sinter's kernels with peers (gonum, vek) and, through
// bench/ort, with ONNX Runtime. It has its own go.mod so that peers never
// become dependencies of the library. Results are in RESULTS.md.
package bench
