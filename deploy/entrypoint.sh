#!/bin/sh
# The role of a Layani container is its command (deploy/Dockerfile, docs/deployment.md).
# Every role listens on 0.0.0.0 inside its container; what is reachable from outside is the
# load balancer's business (deploy/nginx.conf), not the process's.
set -eu
role="${1:-rasa}"
[ "$#" -gt 0 ] && shift
case "$role" in
  rasa)
    model="$(python -c 'from layani.model_files import model_path; print(model_path())')"
    exec python -m layani.server --model "$model" --endpoints endpoints.production.yml \
      --host 0.0.0.0 --port "${RASA_PORT:-5005}" "$@" ;;
  actions)
    exec python -m layani.action_server --host 0.0.0.0 --port "${ACTION_PORT:-5055}" "$@" ;;
  gateway)
    exec python -m channels.gateway --host 0.0.0.0 --port "${WEBHOOK_PORT:-5007}" "$@" ;;
  console)
    exec python -m console --host 0.0.0.0 --port "${CONSOLE_PORT:-5006}" "$@" ;;
  migrate)
    exec python -m storage.migrate "$@" ;;
  *)
    exec "$role" "$@" ;;
esac
