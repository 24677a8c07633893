#!/usr/bin/env bash
# Debian's chromium for the browser tests (Playwright drives it via executable_path;
# `playwright install` needs a CDN this network cannot reach).
set -eu
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "ERROR: /usr/bin/chromium is missing; install Debian's 'chromium' package (needs root)." >&2
  exit 1
fi
echo "Installing Debian's chromium for browser tests..."
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
