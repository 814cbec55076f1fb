#!/usr/bin/env bash
# Kernel tests on every tier: native (all assembly families this CPU runs),
# purego (the pure-Go twins), arm64 NEON under qemu-aarch64-static, and a
# check that the generated assembly is up to date. Called from .ci/run.
# Target: well under 5 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=0
# The packages of the kernels issue (other kernels/* packages have their own CI).
pkgs=(./internal/cpu/... ./kernels ./kernels/parallel/... ./kernels/gemm/... ./kernels/conv/... ./kernels/elementwise/... ./kernels/pool/...)

if ! command -v qemu-aarch64-static >/dev/null; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq qemu-user-static >/dev/null
fi

echo "== kernels: generated assembly is current"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for d in kernels/*/_generate; do
	[ -d "$d" ] || continue
	pkg=$(dirname "$d")
	cp -r "$pkg" "$tmp/pkg"
	(cd "$tmp/pkg/_generate" && go run . -dir ..)
	for f in "$tmp"/pkg/*_amd64.s "$tmp"/pkg/*_amd64.go "$tmp"/pkg/*_arm64.s "$tmp"/pkg/*_arm64.go; do
		[ -e "$f" ] || continue
		if ! cmp -s "$f" "$pkg/$(basename "$f")"; then
			echo "$pkg/$(basename "$f") is stale: run (cd $d && go run . -dir ..)"; exit 1
		fi
	done
	rm -rf "$tmp/pkg"
done

echo "== kernels: vet (amd64, arm64, purego)"
go vet "${pkgs[@]}"
GOARCH=arm64 go vet "${pkgs[@]}"
go vet -tags purego "${pkgs[@]}"
GOOS=windows go build "${pkgs[@]}"

echo "== kernels: native tests"
go test -count=1 "${pkgs[@]}"

echo "== kernels: purego tests"
go test -count=1 -short -tags purego "${pkgs[@]}"

echo "== kernels: arm64 tests under qemu"
GOARCH=arm64 go test -count=1 -short -exec qemu-aarch64-static "${pkgs[@]}"
GOARCH=arm64 go test -count=1 -short -tags purego -exec qemu-aarch64-static ./kernels/gemm/...
