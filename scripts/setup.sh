#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine with only Rust and Node lacks to build,
# run and test Attesta. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: to build the desktop app (WebKitGTK), to run it under Xvfb
# and drive it through WebDriver, and to take screenshots.
APT_PACKAGES=(
  build-essential pkg-config file libssl-dev
  libwebkit2gtk-4.1-dev librsvg2-dev libayatana-appindicator3-dev
  xvfb xauth dbus dbus-bin fonts-dejavu-core libgl1-mesa-dri webkit2gtk-driver
  imagemagick x11-utils
  python3 python3-venv
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python tools for the tests: an independent syntex implementation needs only
# the standard library; the SMTP sink is aiosmtpd, in a venv of its own.
if [ ! -x target/pyenv/bin/python ] || ! target/pyenv/bin/python -c 'import aiosmtpd' 2>/dev/null; then
  echo "setup: creating target/pyenv with aiosmtpd"
  mkdir -p target
  python3 -m venv target/pyenv
  target/pyenv/bin/pip install -q aiosmtpd
fi

# Rust tools.
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "setup: installing cargo-fuzz"
  cargo install -q cargo-fuzz --locked
fi
if [ -f src-tauri/Cargo.toml ] && ! command -v tauri-driver >/dev/null 2>&1; then
  echo "setup: installing tauri-driver"
  cargo install -q tauri-driver --locked
fi

# The webview UI.
if [ -f ui/package-lock.json ]; then
  if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    echo "setup: npm ci in ui/"
    (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
