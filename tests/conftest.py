"""Settings for the whole test suite."""

from __future__ import annotations

import os

# Before torch loads: every thread's OpenMP default, not only the main thread's.  torch.set_num_threads
# below reaches the calling thread alone, so a step in Play's worker would still run on two threads and
# round differently (1 ulp) from the same step on the main thread (tests/test_reads_during_play.py).
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch

# One intra-op thread: the GUI tests run Play's worker beside the GUI thread, and on a
# 2-core machine a second torch thread per step oversubscribes the cores (a GRU step
# measured 3× slower with two threads than with one while other work ran).  No test
# depends on torch's thread count.
torch.set_num_threads(1)
