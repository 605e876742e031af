"""Process-wide tuning that the hiddenscope application (not the library) opts into.

A large step allocates and frees tens of megabytes of activations every time.
glibc serves blocks that large with fresh ``mmap`` pages and unmaps them on
free, so every step pays for page faults again.  Raising glibc's mmap and trim
thresholds (and using one arena, so that Play's worker thread allocates from the
same heap) keeps freed blocks for reuse instead.  The app calls it when it opens
its window (``cli._cmd_gui``); the library, the headless commands and the tests
keep glibc's defaults.

Measured with and without, side by side in fresh processes (``benchmarks/malloc_tuning.py``,
batch 1024 × 64 agents × 96 units, tracing on, 256 MiB history, fastest block, a
2-core CPU machine), in the two runs made while the machine was otherwise idle:

===========================================  ===============  ===============
                                             with             without
===========================================  ===============  ===============
``Stepper.step()`` on the main thread        62.8, 62.8 ms    87.1, 84.6 ms
the same on a worker thread (Play)           62.0, 63.1 ms    99.9, 96.4 ms
resident memory after the run                2092, 1445 MiB   1057, 1346 MiB
===========================================  ===============  ===============

A step is 1.35–1.4× faster with it, on Play's worker thread 1.5–1.6× (three more
runs with the machine busy: 1.2–1.5× and 1.3–1.6×).  The price is resident
memory: freed blocks are kept for reuse and the heap fragments, so over the five
runs it ended 0.1–1.0 GiB higher at this size.  Set ``HIDDENSCOPE_DEFAULT_MALLOC=1``
to do without.

Since then, a step that large runs its GRU cells in row blocks (``step_runtime.CellBlocks``) and no
longer allocates the whole cell's activations.  Measured again on 2026-12-07 on the same kind of 2-core
machine (``benchmarks/run.py``'s ``malloc_tuning``, fresh processes side by side; without over with):

- 1024 × 64: a step 1.00× on the main thread, 1.08× on Play's worker thread; about the same memory;
- 256 × 16: 1.16× and 1.18× (a second run: 0.94× and 1.15×); 77 MiB less resident memory with it;
- 32 × 5: 1.00× and 1.00–1.04×; about the same memory.

It is kept for the steps below the blocks' threshold, where Play's worker steps 1.15–1.18× faster with it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8


def keep_freed_memory(mmap_threshold: int = 512 * 2**20, trim_threshold: int = 1 << 30) -> bool:
    """Ask glibc to keep large freed blocks for reuse. Returns whether it applied (Linux with glibc only).

    Set ``HIDDENSCOPE_DEFAULT_MALLOC=1`` to leave the allocator as it is.
    """
    if not sys.platform.startswith("linux") or os.environ.get("HIDDENSCOPE_DEFAULT_MALLOC"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        # One arena: a thread's own arena cannot hold blocks this large and would fall
        # back to mmap, so Play's worker thread would pay the page faults again.
        applied = libc.mallopt(_M_ARENA_MAX, 1)
        applied &= libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold)
        applied &= libc.mallopt(_M_TRIM_THRESHOLD, trim_threshold)
        return bool(applied)
    except (OSError, AttributeError):
        return False
