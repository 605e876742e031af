#!/usr/bin/env bash
# Set up (once) and open the app on the seed's default model (--demo: the trained demo agent).
# Extra arguments go to hiddenscope. It installs what test.sh installs (scripts/_venv.sh), once.
source "$(dirname "$0")/_venv.sh"
exec .venv/bin/hiddenscope "$@"
