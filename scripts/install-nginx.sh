#!/usr/bin/env bash
# Debian's nginx for the reverse-proxy test (tests/security/test_sec_proxy_example.py runs the
# example config in examples/deploy/ in front of a real server). Only the binary is used; the
# test runs nginx with its own prefix and ports, never the system service.
set -eu
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "WARNING: nginx is missing and this is not root; the proxy test will be skipped." >&2
  exit 0
fi
echo "Installing Debian's nginx for the reverse-proxy test..."
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
# The package starts the system service; the test needs only the binary.
service nginx stop >/dev/null 2>&1 || nginx -s stop >/dev/null 2>&1 || true
nginx -v
