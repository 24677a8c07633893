#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter, or explain how to get one and fail.
# Rasa Open Source 3.6 supports Python 3.8-3.10 only; `python3` on many machines is newer.
set -u
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
candidates+=(python3.10)
for dir in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin; do candidates+=("$dir/python3.10"); done
candidates+=(/usr/bin/python3.10 /usr/local/bin/python3.10)
for c in "${candidates[@]}"; do
  if out=$("$c" -c 'import sys; print(sys.executable) if sys.version_info[:2] == (3, 10) else sys.exit(1)' 2>/dev/null); then
    echo "$out"; exit 0
  fi
done
cat >&2 <<'MSG'
ERROR: Python 3.10 is required (Rasa Open Source 3.6 does not run on 3.11 or newer).
Install it, for example:  pyenv install 3.10.13   or   apt-get install python3.10 python3.10-venv
or point PYTHON at it:    make run PYTHON=/path/to/python3.10
MSG
exit 1
