#!/usr/bin/env bash
# The run command: sets up what is missing, builds the UI, the desktop app and
# the server, starts a local Attesta server on its embedded SQLite store
# (data in ./attesta-data) and opens the app connected to it. The server stops
# when the app exits.
#
#   scripts/run.sh                    one app, profile in ./attesta-data/profiles/first
#   scripts/run.sh --second-profile   also a second app with its own profile
#                                     (./attesta-data/profiles/second), so one
#                                     person can invite themselves and chat;
#                                     the run ends when both windows are closed
#
# Confirmation codes (e-mail, phone) are not sent anywhere: the server writes
# them to ./attesta-data/outbox.jsonl, printed here as they come.
set -euo pipefail
cd "$(dirname "$0")/.."

second=false
for arg in "$@"; do
  case "$arg" in
    --second-profile) second=true ;;
    -h | --help)
      sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "run: unknown option $arg (see --help)" >&2
      exit 2
      ;;
  esac
done

scripts/setup.sh

echo "run: building the UI"
(cd ui && npm run build --silent)
echo "run: building the server (release) and the desktop app (desktop profile: small code; the first build takes a while)"
cargo build --release -p attesta-server
cargo build --profile desktop -p attesta-desktop --features custom-protocol

data="$PWD/attesta-data"
outbox="$data/outbox.jsonl"
mkdir -p "$data/profiles"
touch "$outbox"
listen="${ATTESTA_LISTEN:-127.0.0.1:8470}"
export ATTESTA_SERVER="http://$listen"

pids=()
stop() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

target/release/attesta-server --listen "$listen" --data-dir "$data" --outbox "$outbox" &
pids+=("$!")
server_pid=$!
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/${listen%:*}/${listen##*:}") 2>/dev/null; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run: the server did not start (is $listen taken? set ATTESTA_LISTEN=127.0.0.1:PORT)" >&2
    exit 1
  fi
  sleep 0.1
done
echo "run: server on $ATTESTA_SERVER, data in $data"
echo "run: confirmation codes appear below (and in $outbox)"
tail -n 0 -F "$outbox" 2>/dev/null &
pids+=("$!")

apps=()
target/desktop/attesta-desktop --profile "$data/profiles/first" &
apps+=("$!")
if $second; then
  target/desktop/attesta-desktop --profile "$data/profiles/second" &
  apps+=("$!")
fi
# The run ends (and the server stops) when every app window has closed.
for app in "${apps[@]}"; do
  wait "$app" || true
done
