#!/usr/bin/env bash
# A Compose implementation for `docker compose config` in tests/scale/test_deploy_files.py.
# The docker client alone has no `compose` subcommand; Debian 12 packages Compose as
# `docker-compose` (1.29, which reads the Compose Specification). No engine is needed to check
# a file. Nothing happens when either is already there.
set -eu
if docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1; then
  exit 0
fi
if ! command -v docker >/dev/null 2>&1; then
  echo "NOTE: no docker client; the compose check will be skipped." >&2
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "WARNING: docker compose is missing and this is not root; the compose check will fail." >&2
  exit 0
fi
echo "Installing Debian's docker-compose for the compose file check..."
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
docker-compose version | head -1
