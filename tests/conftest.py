"""Settings for the whole test suite."""

from __future__ import annotations

import torch

# One intra-op thread: the GUI tests run Play's worker beside the GUI thread, and on a
# 2-core machine a second torch thread per step oversubscribes the cores (a GRU step
# measured 3× slower with two threads than with one while other work ran).  Tests about
# the thread count itself set and restore it.
torch.set_num_threads(1)
