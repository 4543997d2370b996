#!/usr/bin/env bash
# Reproduces every figure of BENCHMARKS.md: runs each benchmark COUNT times
# (default 10) and summarises the runs with benchstat (medians with their
# 95% confidence interval). Raw outputs go to OUT (default: a new temporary
# directory); the summary is printed.
#
#   scripts/bench.sh                 # everything, about 10 minutes on 2 cores
#   COUNT=5 scripts/bench.sh         # fewer runs
#   ONLY=vs scripts/bench.sh         # one figure: vs, paired, token, iterate, emulator, quickstart
#
# Benchmarks never run under plain `go test ./...` (they need -bench).
set -euo pipefail
cd "$(dirname "$0")/.."

count=${COUNT:-10}
out=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/mangopay-bench.XXXXXX")}
only=${ONLY:-}
mkdir -p "$out"
benchstat() { go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da "$@"; }
want() { [ -z "$only" ] || [ "$only" = "$1" ]; }

echo "## Machine"
go version
grep -m1 'model name' /proc/cpuinfo || true
echo "cores: $(nproc)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "raw outputs: $out"
echo

if want vs; then
	echo "## SDK vs net/http baseline: wallet GET, transfer POST, 100-item page (issues 2, 9)"
	# COUNT rounds of one run each, rather than -count=COUNT: every round runs
	# the baseline and then the SDK, so machine load that drifts over the
	# minutes of the measurement hits both sides alike.
	go test -c -o "$out/mangopay.test" .
	for _ in $(seq "$count"); do
		"$out/mangopay.test" -test.run '^$' -test.bench '^Benchmark(Get|Post|Page)$' -test.benchmem -test.count=1
	done >"$out/vs.txt"
	benchstat -col /impl "$out/vs.txt"
	echo
fi
if want paired; then
	echo "## Same, timed alternately in one loop: median sdk/baseline per run"
	go test -run '^$' -bench '^BenchmarkPaired$' -count="$count" . >"$out/paired.txt"
	benchstat "$out/paired.txt"
	echo
fi
if want token; then
	echo "## 1,000 goroutines on a cold client: 1 token request, time to first response (issue 9)"
	go test -run '^$' -bench '^BenchmarkTokenStampede$' -benchmem -count="$count" . >"$out/token.txt"
	benchstat -col /token "$out/token.txt"
	echo
fi
if want iterate; then
	echo "## Iterating transactions: heap bounded by the page size (issues 4, 9)"
	go test -run '^$' -bench '^BenchmarkTransactionsAllByWallet$' -benchmem -benchtime=5x -count="$count" . >"$out/iterate.txt"
	benchstat "$out/iterate.txt"
	echo
fi
if want emulator; then
	echo "## Emulator: start-up, wallet GET from 8 goroutines (issue 9)"
	go test -run '^$' -bench . -benchmem -count="$count" ./mangopaytest >"$out/emulator.txt"
	benchstat "$out/emulator.txt"
	echo
fi
if want quickstart; then
	echo "## Emulator: the full SCA quickstart flow in-process (issue 9)"
	go test -run '^$' -bench . -benchmem -count="$count" ./examples/quickstart >"$out/quickstart.txt"
	benchstat "$out/quickstart.txt"
	echo
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
