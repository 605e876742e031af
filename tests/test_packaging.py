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


def test_the_test_extra_holds_the_apps_and_every_script_installs_the_same_extras():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert {"mpe2>=1.0", "lbforaging>=2", "imageio>=2.28", "imageio-ffmpeg>=0.4.8"} <= set(extras["app"])
    assert set(extras["app"]) <= set(extras["test"]), "test.sh and app.sh install the test extra: it must hold app's"
    venv = (ROOT / "scripts" / "_venv.sh").read_text(encoding="utf-8")
    assert "HIDDENSCOPE_EXTRAS=${HIDDENSCOPE_EXTRAS:-test}" in venv
    assert '_stamp_file=".venv/.hiddenscope-installed"' in venv  # one stamp, whatever the script
    for script in ("app.sh", "test.sh", "lint.sh"):
        text = (ROOT / "scripts" / script).read_text(encoding="utf-8")
        assert "_venv.sh" in text and "HIDDENSCOPE_EXTRAS=" not in text, script


def test_the_demo_agent_is_package_data():
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    data = setup["package-data"]["hiddenscope.resources"]
    for name in ("agent.th", "config.json", "training_curve.csv"):
        assert (ROOT / "resources" / "demo" / name).is_file()
        assert any(Path("demo", name).match(pattern) for pattern in data), name


def test_install_hints_name_the_command_for_the_python_running_now():
    import sys

    from hiddenscope.core.errors import install_command

    hint = install_command("mpe")
    assert hint.startswith(sys.executable) and " -m pip install " in hint and "[mpe]" in hint
    if (ROOT / "pyproject.toml").is_file() and (ROOT / "core" / "errors.py").is_file():
        assert f'-e "{ROOT}[mpe]"' in hint  # a checkout: the project itself, editable, into its own venv
