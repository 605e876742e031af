"""core/ and its subpackages stay free of Qt; installing hiddenscope adds one import name, not ``core`` or ``gui``."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import hiddenscope.core

CORE_DIR = Path(hiddenscope.core.__file__).parent
FORBIDDEN = ("PySide6", "pyqtgraph", "shiboken6", "hiddenscope.gui")


def imported_modules(path: Path, package: tuple[str, ...] = ("hiddenscope", "core")) -> list[str]:
    """Every module a file imports, with relative imports resolved against its ``package``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - (node.level - 1)])
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append(module)
            found += [f"{module}.{alias.name}" for alias in node.names]
    return found


def is_forbidden(module: str) -> bool:
    return any(module == bad or module.startswith(bad + ".") for bad in FORBIDDEN)


def qt_offenders(root: Path) -> dict[str, list[str]]:
    """The forbidden imports of every ``.py`` under ``root`` (hiddenscope.core), subpackages included, by path."""
    offenders = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        package = ("hiddenscope", "core", *relative.parent.parts)  # core/agents/base.py is in hiddenscope.core.agents
        bad = [m for m in imported_modules(path, package) if is_forbidden(m)]
        if bad:
            offenders[relative.as_posix()] = bad
    return offenders


def test_the_checker_sees_relative_and_absolute_qt_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\nfrom ..gui import app\nfrom PySide6.QtCore import Qt\nimport pyqtgraph as pg\nfrom . import trace\n"
    )
    modules = imported_modules(sample)
    assert [m for m in modules if is_forbidden(m)] == [
        "hiddenscope.gui",
        "hiddenscope.gui.app",
        "PySide6.QtCore",
        "PySide6.QtCore.Qt",
        "pyqtgraph",
    ]
    assert "hiddenscope.core.trace" in modules


def test_the_checker_walks_core_subpackages(tmp_path):
    """A subpackage file (core/envs/…) that imports Qt, or the GUI by a relative import, is caught."""
    (tmp_path / "envs" / "inner").mkdir(parents=True)
    (tmp_path / "stepper.py").write_text("from . import trace\n")
    (tmp_path / "envs" / "__init__.py").write_text("")
    (tmp_path / "envs" / "viewer.py").write_text("from PySide6 import QtWidgets\nfrom ..history import History\n")
    (tmp_path / "envs" / "frames.py").write_text("from ...gui import app\n")  # hiddenscope.gui, three dots up
    (tmp_path / "envs" / "inner" / "draw.py").write_text("from ....gui.theme import icon\nfrom ..base import Env\n")
    assert qt_offenders(tmp_path) == {
        "envs/frames.py": ["hiddenscope.gui", "hiddenscope.gui.app"],
        "envs/inner/draw.py": ["hiddenscope.gui.theme", "hiddenscope.gui.theme.icon"],
        "envs/viewer.py": ["PySide6", "PySide6.QtWidgets"],
    }
    # Resolved against the file's own package: ..base in core/envs/inner is hiddenscope.core.envs.base.
    assert "hiddenscope.core.envs.base" in imported_modules(
        tmp_path / "envs" / "inner" / "draw.py", ("hiddenscope", "core", "envs", "inner")
    )


def test_core_source_imports_no_qt():
    files = sorted(CORE_DIR.rglob("*.py"))
    assert len(files) >= 10, files  # really looking at core/
    subpackages = {path.parent.name for path in files if path.parent != CORE_DIR}
    assert {"agents", "envs"} <= subpackages, subpackages  # and into its subpackages
    assert qt_offenders(CORE_DIR) == {}


def test_importing_core_and_the_cli_loads_no_qt(tmp_path):
    script = """
import importlib, json, pkgutil, sys
import hiddenscope.core, hiddenscope.cli
for info in pkgutil.walk_packages(hiddenscope.core.__path__, "hiddenscope.core."):  # subpackages' modules too
    importlib.import_module(info.name)
from hiddenscope.cli import main
code = main(["shapes", "--steps", "1", "--batch-size", "2", "--n-agents", "2", "--hidden-dim", "8", "--input-dim", "3"])
code += main(["export", "--steps", "1", "--out", "run.npz", "--batch-size", "2", "--hidden-dim", "8"])
qt = sorted(
    m for m in sys.modules
    if m.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6") or m.startswith("hiddenscope.gui")
)
print(json.dumps({"code": code, "qt": qt, "core": sorted(m for m in sys.modules if m.startswith("hiddenscope.core."))}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["code"] == 0
    assert result["qt"] == []
    assert "hiddenscope.core.stepper" in result["core"]
    assert {"hiddenscope.core.agents.pymarl", "hiddenscope.core.envs.mpe"} <= set(result["core"])


def test_the_install_adds_no_top_level_core_or_gui(tmp_path):
    script = """
import importlib.util, json
names = ["core", "gui", "cli", "resources", "hiddenscope", "hiddenscope.core", "hiddenscope.cli"]
print(json.dumps({name: importlib.util.find_spec(name) is not None for name in names}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found == {
        "core": False,
        "gui": False,
        "cli": False,
        "resources": False,
        "hiddenscope": True,
        "hiddenscope.core": True,
        "hiddenscope.cli": True,
    }


GUI_DIR = CORE_DIR.parent / "gui"
PROBED = {"replay", "reader", "end_message", "model", "history"}  # what a view once asked a stepper by name


def held_steps_offenders(gui_dir: Path) -> dict[str, list[str]]:
    """Views that reach into a stepper's history, or probe what a stepper is by ``getattr``/``isinstance``.

    Only the Qt model (stepper_model.py) reads the history; the others get the held bounds with each
    snapshot (``model.held``, ``model.bounds()``) and ask ``stepper.capabilities`` what a run can do.
    """
    found: dict[str, list[str]] = {}
    for path in sorted(gui_dir.rglob("*.py")):
        if path.name == "stepper_model.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            what = ""
            if isinstance(node, ast.Attribute) and node.attr == "history" and not isinstance(node.ctx, ast.Store):
                what = f"line {node.lineno}: .history"
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                args = node.args
                if node.func.id == "getattr" and len(args) >= 2 and isinstance(args[1], ast.Constant):
                    if args[1].value in PROBED:
                        what = f"line {node.lineno}: getattr(…, {args[1].value!r})"
                elif node.func.id == "isinstance" and len(args) == 2 and "Replay" in ast.unparse(args[1]):
                    what = f"line {node.lineno}: isinstance(…, {ast.unparse(args[1])})"
            if what:
                found.setdefault(str(path.relative_to(gui_dir)), []).append(what)
    return found


def test_the_checker_sees_history_reads_and_stepper_probes(tmp_path):
    (tmp_path / "view.py").write_text(
        "def draw(model):\n"
        "    hist = model.stepper.history\n"
        "    if getattr(model.stepper, 'reader', None): pass\n"
        "    if isinstance(model.stepper, ReplayStepper): pass\n"
    )
    (tmp_path / "stepper_model.py").write_text("def bounds(self):\n    return self.stepper.history.bounds()\n")
    assert held_steps_offenders(tmp_path) == {
        "view.py": ["line 2: .history", "line 3: getattr(…, 'reader')", "line 4: isinstance(…, ReplayStepper)"]
    }


def test_no_view_reads_the_history_or_probes_what_the_run_is():
    assert held_steps_offenders(GUI_DIR) == {}
