#!/usr/bin/env bash
# The portal's browser tests: every portal step of the seed documents clicked through in headless Chromium
# against `msi portal --no-browser` and a fresh emulator, each step checked with `msi vm|vmss identity show`.
# Installs Debian's chromium and chromium-driver when they are missing (as root); without root and without
# them, says so and skips. Screenshots: $PORTAL_SCREENSHOTS, default target/portal-screenshots/.
set -euo pipefail
cd "$(dirname "$0")/../../.."

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "portal browser tests: skipped: chromium and chromium-driver are not installed and this is not root" \
         "(install them: apt-get install chromium chromium-driver)"
    exit 0
  fi
  echo "portal browser tests: installing Debian's chromium and chromium-driver"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 chromium chromium-driver >/dev/null
fi
echo "portal browser tests: $(chromium --version 2>/dev/null | head -1); $(chromedriver --version | head -1)"
cargo test -p msi-cli --locked --test portal_browser -- --ignored --test-threads=1
