#!/usr/bin/env bash
# The bench command: builds the server and the bench in release, notes the
# machine, and runs attesta-bench against the real server on loopback (a
# fresh data directory each run). Method and figures: docs/performance.md.
#
#   scripts/bench.sh            10 000 and 100 000 items, 5 runs (about 5 minutes)
#   scripts/bench.sh --quick    10 000 items, 3 runs: a check that all works (about 2 minutes)
#   scripts/bench.sh --full     adds 1 000 000 items (about 12 minutes in all)
#   scripts/bench.sh --app      only the desktop app: memory beside an empty Tauri 2
#                               window, and first paint (builds both with the desktop
#                               profile, runs them under Xvfb; the first build takes
#                               about 8 minutes)
#
# Other options go to attesta-bench (--runs N, --only server,growth,floors;
# target/release/attesta-bench --help). The report is printed and kept in
# target/bench/report.md. It is not part of scripts/test.sh or CI: it is long,
# and speed is reported as figures, never asserted.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h | --help)
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
    exit 0
    ;;
esac

app=false
args=()
for arg in "$@"; do
  if [ "$arg" = --app ]; then app=true; else args+=("$arg"); fi
done

echo "bench: building the server and the bench (release)" >&2
cargo build --release --locked -p attesta-server -p attesta-bench

# The memory floor: a Tauri 2 app with one empty window, generated here (not
# kept in the repository), built like the desktop app (the desktop profile, the embedded
# UI, the same locked versions) into the shared target directory.
empty_app() {
  local dir=target/bench/empty-app
  mkdir -p "$dir/src" "$dir/dist" "$dir/icons"
  cp icons/icon.png "$dir/icons/icon.png"
  cp Cargo.lock "$dir/Cargo.lock"
  cat >"$dir/Cargo.toml" <<'TOML'
[package]
name = "empty-tauri-window"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[build-dependencies]
tauri-build = { version = "2", features = [] }

[dependencies]
tauri = { version = "2", features = [] }

[features]
custom-protocol = ["tauri/custom-protocol"]

[profile.desktop]
inherits = "release"
opt-level = "s"
lto = "thin"
codegen-units = 1
strip = true
TOML
  cat >"$dir/build.rs" <<'RS'
fn main() {
    tauri_build::build();
}
RS
  cat >"$dir/src/main.rs" <<'RS'
fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("running the empty window");
}
RS
  cat >"$dir/dist/index.html" <<'HTML'
<!doctype html>
<html><head><meta charset="utf-8"><title>empty</title></head><body></body></html>
HTML
  cat >"$dir/tauri.conf.json" <<'JSON'
{
  "productName": "empty-tauri-window",
  "version": "0.0.0",
  "identifier": "org.attesta.bench.empty",
  "build": { "frontendDist": "dist" },
  "app": { "windows": [{ "title": "empty", "width": 1100, "height": 720 }] },
  "bundle": { "active": false, "icon": ["icons/icon.png"] }
}
JSON
  CARGO_TARGET_DIR="$PWD/target" cargo build --profile desktop --features custom-protocol \
    --manifest-path "$dir/Cargo.toml" >&2
}

if $app; then
  echo "bench: building the UI, the desktop app and the empty window (desktop profile)" >&2
  (cd ui && npm run build --silent)
  cargo build --profile desktop --locked -p attesta-desktop --features custom-protocol
  empty_app
fi

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
if $app; then
  NO_AT_BRIDGE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 \
    xvfb-run -a -s '-screen 0 1280x800x24' dbus-run-session -- \
    target/release/attesta-bench --only app "${args[@]}" \
    --app target/desktop/attesta-desktop --empty-app target/desktop/empty-tauri-window |
    tee -a "$report"
else
  target/release/attesta-bench "${args[@]}" | tee -a "$report"
fi
echo "bench: report kept in $report" >&2
