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
cargo test --workspace --locked

if [ -d fuzz ]; then
  step "fuzzing the block parser (bounded)"
  (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run open_block -- -max_total_time=30 -rss_limit_mb=2048)
fi
