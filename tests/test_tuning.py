"""The allocator tuning the app opts into: what it changes in glibc, and that only the app turns it on.

Whether it pays (step time, resident memory) is measured side by side in
``benchmarks/malloc_tuning.py``, not here.  These tests look at the one thing
the tuning promises the allocator does differently: a large block comes from
the heap (and stays there for reuse) instead of a fresh ``mmap`` each time.
Each case runs in a fresh process, since the setting cannot be undone.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc only"
)

# Prints whether glibc served one 64 MiB block with a fresh mmap (else it came from the heap).
PROBE = """
import ctypes, json
import numpy as np

fields = ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")
libc = ctypes.CDLL("libc.so.6")
try:
    mallinfo, kind = libc.mallinfo2, ctypes.c_size_t  # glibc 2.33 and later
except AttributeError:
    mallinfo, kind = libc.mallinfo, ctypes.c_int
mallinfo.restype = type("MallInfo", (ctypes.Structure,), {"_fields_": [(name, kind) for name in fields]})
before = mallinfo().hblkhd
block = np.ones(64 * 2**20, np.uint8)
mapped = mallinfo().hblkhd - before
assert mapped == 0 or mapped >= 64 * 2**20, mapped
print(json.dumps({"applied": applied, "mapped": mapped > 0}))
"""


def run_probe(setup: str, **env: str) -> dict:
    code = textwrap.dedent(setup) + PROBE
    environment = {k: v for k, v in os.environ.items() if k != "HIDDENSCOPE_DEFAULT_MALLOC"} | env
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=environment)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


TUNE = """
from hiddenscope.core.tuning import keep_freed_memory
applied = keep_freed_memory()
"""


def test_with_the_tuning_a_large_block_comes_from_the_heap():
    assert run_probe(TUNE) == {"applied": True, "mapped": False}


def test_without_it_glibc_maps_the_block_afresh():
    # The control: the probe sees the difference, so the case above cannot pass by accident.
    assert run_probe("applied = None\n") == {"applied": None, "mapped": True}


def test_it_can_be_switched_off():
    assert run_probe(TUNE, HIDDENSCOPE_DEFAULT_MALLOC="1") == {"applied": False, "mapped": True}


def test_the_command_line_leaves_the_allocator_alone_outside_the_app():
    # Tests and scripts call main(); only opening the window opts in.
    setup = """
    import contextlib, io
    from hiddenscope.cli import main
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["shapes", "--steps", "1"]) == 0
    applied = None
    """
    assert run_probe(setup)["mapped"] is True


def test_opening_the_app_turns_it_on():
    setup = """
    import hiddenscope.gui.app
    from hiddenscope.cli import main
    hiddenscope.gui.app.run_app = lambda stepper, language=None, follow=None: 0  # stop short of the window
    assert main(["--batch-size", "2", "--n-agents", "2"]) == 0
    applied = True
    """
    assert run_probe(setup, QT_QPA_PLATFORM="offscreen")["mapped"] is False
