"""``python -m hiddenscope`` runs the same entry point as the ``hiddenscope`` command."""

import sys

from hiddenscope.cli import main

sys.exit(main())
