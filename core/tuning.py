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
2-core CPU machine; four runs, three of them with the machine busy with other work):

===========================================  ==============  ==============
                                             with            without
===========================================  ==============  ==============
``Stepper.step()`` on the main thread        63–177 ms       87–263 ms
the same on a worker thread (Play)           62–126 ms       100–168 ms
resident memory after the run                1.55–2.04 GiB   1.03–1.22 GiB
===========================================  ==============  ==============

Within each run a step was 1.2–1.5× faster with it, on Play's worker thread
1.3–1.6× faster; the price is 0.35–1.0 GiB more resident memory at this size
(freed blocks are kept for reuse, and the heap fragments).  Set
``HIDDENSCOPE_DEFAULT_MALLOC=1`` to do without.
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
