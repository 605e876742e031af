"""`pip install .` (not only `pip install -e .`) installs every package the code imports."""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_directory_is_listed_for_the_wheel():
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(setup["packages"])
    folders = {name: ROOT / folder for name, folder in setup["package-dir"].items() if name != "hiddenscope"}
    on_disk = {"hiddenscope"}
    for name, folder in folders.items():
        for init in folder.rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            relative = init.parent.relative_to(folder).parts
            on_disk.add(".".join((name, *relative)))
    assert on_disk >= {"hiddenscope.core", "hiddenscope.core.envs", "hiddenscope.core.agents", "hiddenscope.gui"}
    missing = sorted(on_disk - listed)
    assert not missing, f"pyproject.toml's packages leaves out {missing}: `pip install .` would not install them"
