#!/usr/bin/env bash
# The test command: sets up what is missing, then runs every lint and test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

export ATTESTA_PYTHON="$PWD/target/pyenv/bin/python"

step() { printf '\n==> %s\n' "$*"; }

if [ -f ui/package.json ]; then
  step "ui: type check, unit tests, build (the desktop app embeds ui/dist)"
  (cd ui && npm run check && npm test && npm run build)
fi

step "the desktop app, for the GUI tests (tests/e2e/tests/gui.rs drive this binary)"
cargo build -p attesta-desktop --features custom-protocol --locked

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test (unit, property, snapshot and end-to-end tests)"
mkdir -p target
cargo test --workspace --locked 2>&1 | tee target/test-output.log

if [ -d fuzz ]; then
  step "fuzzing the block parser (bounded)"
  # libFuzzer's progress lines go to a file; a crash fails the step and shows its end.
  if ! (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run open_block -- -max_total_time=30 -rss_limit_mb=2048) >target/fuzz.log 2>&1; then
    tail -n 40 target/fuzz.log
    exit 1
  fi
  grep -E '^Done [0-9]+ runs' target/fuzz.log || tail -n 3 target/fuzz.log
fi

# One closing line for every cargo test binary above (set -o pipefail has
# already stopped the script if any failed).
awk '/^test result:/ { p += $4; f += $6 } END { printf "\nTests: %d passed, %d failed\n", p, f }' target/test-output.log
