#!/usr/bin/env bash
# Set up (once) and open the app on the seed's default model. Extra arguments go to hiddenscope.
HIDDENSCOPE_EXTRAS=app
source "$(dirname "$0")/_venv.sh"
exec .venv/bin/hiddenscope "$@"
