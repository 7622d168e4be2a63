#!/usr/bin/env bash
# The bench command: builds the server and the bench in release, notes the
# machine, and runs attesta-bench against the real server on loopback (a
# fresh data directory each run). Method and figures: docs/performance.md.
#
#   scripts/bench.sh            10 000 and 100 000 items, 5 runs (about 10 minutes)
#   scripts/bench.sh --quick    10 000 items, 3 runs: a check that all works (about 2 minutes)
#   scripts/bench.sh --full     adds 1 000 000 items (see docs/performance.md for the time)
#
# Other options go to attesta-bench (--runs N, --only server,growth,floors,app;
# target/release/attesta-bench --help). The report is printed and kept in
# target/bench/report.md. It is not part of scripts/test.sh or CI: it is long,
# and speed is reported as figures, never asserted.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h | --help)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac

echo "bench: building the server and the bench (release)" >&2
cargo build --release --locked -p attesta-server -p attesta-bench

mkdir -p target/bench
report=target/bench/report.md
{
  echo "## Machine"
  echo
  echo '```'
  echo "date:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "cpu:    $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores)"
  echo "load:   $(cut -d' ' -f1-3 /proc/loadavg)"
  free -h
  echo "disk of \$TMPDIR (${TMPDIR:-/tmp}):"
  df -hT "${TMPDIR:-/tmp}"
  echo '```'
  echo
} | tee "$report"
target/release/attesta-bench "$@" | tee -a "$report"
echo "bench: report kept in $report" >&2
