// Command conformance runs ONNX backend test cases through Sinter and prints
// PASS/FAIL per case with the reason, then a tally per suite.
//
//	go run ./internal/conformance/cmd/conformance [-run REGEX] [-data DIR] [-q]
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/sinter-ml/sinter/compiler"
	"github.com/sinter-ml/sinter/internal/conformance"
	"github.com/sinter-ml/sinter/ops/all"
)

func main() {
	run := flag.String("run", "", "only cases whose suite/name matches this regexp")
	data := flag.String("data", conformance.Root(), "ONNX backend test data root")
	quiet := flag.Bool("q", false, "print failures and the tally only")
	limit := flag.Duration("timeout", time.Minute, "per-case time limit")
	optimize := flag.Bool("O", true, "run the compiler's optimisation passes")
	flag.Parse()
	var re *regexp.Regexp
	if *run != "" {
		var err error
		if re, err = regexp.Compile(*run); err != nil {
			fmt.Fprintln(os.Stderr, "conformance:", err)
			os.Exit(2)
		}
	}
	cases, err := conformance.Cases(*data)
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
	reg := all.Registry()
	pass, total := map[string]int{}, map[string]int{}
	for _, c := range cases {
		if re != nil && !re.MatchString(c.ID()) {
			continue
		}
		total[c.Suite]++
		err := conformance.RunCase(c, reg, *limit, compiler.WithOptimization(*optimize))
		if err == nil {
			pass[c.Suite]++
			if !*quiet {
				fmt.Printf("PASS %s\n", c.ID())
			}
			continue
		}
		fmt.Printf("FAIL %s: %s\n", c.ID(), conformance.ReasonOf(err))
	}
	for _, s := range conformance.Suites {
		if total[s] > 0 {
			fmt.Printf("%s: %d/%d pass\n", s, pass[s], total[s])
		}
	}
}
