#!/usr/bin/env bash
# Set up (once) and run the whole test suite, offscreen. The README's test command; CI runs it.
HIDDENSCOPE_EXTRAS=test
source "$(dirname "$0")/_venv.sh"
export QT_QPA_PLATFORM=offscreen
.venv/bin/python -m pytest "$@"
