// Command opsdoc writes docs/OPERATORS.md, the table of operators Sinter
// implements, from the default registry (ops/all). Run it from the
// repository root:
//
//	go run ./internal/opsdoc              # writes docs/OPERATORS.md
//	go run ./internal/opsdoc -o -         # prints to stdout
//
// or with go generate, which runs the directive below from this directory.
// It also refreshes the operator summary between the ops markers in
// README.md. The package's tests fail when either is stale.
package main

//go:generate go run . -o ../../docs/OPERATORS.md -readme ../../README.md
