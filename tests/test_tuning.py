"""The allocator tuning the app opts into: applied on glibc, and it keeps memory bounded."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_tuning_applies_and_steady_stepping_stays_flat():
    code = """
import psutil
from hiddenscope.core.tuning import keep_freed_memory
from hiddenscope.core import Config, Stepper
assert keep_freed_memory()
s = Stepper(Config(batch_size=256, n_agents=32), history_budget=8 * 2**20)
s.run(30)
before = psutil.Process().memory_info().rss
s.run(60)
print(psutil.Process().memory_info().rss - before)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    growth = int(out.stdout.strip().splitlines()[-1])
    assert growth < 16 * 2**20, f"RSS grew by {growth / 2**20:.1f} MiB over 60 steady steps"


def test_it_can_be_switched_off(monkeypatch):
    from hiddenscope.core.tuning import keep_freed_memory

    monkeypatch.setenv("HIDDENSCOPE_DEFAULT_MALLOC", "1")
    assert keep_freed_memory() is False
