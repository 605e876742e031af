"""The interface in Simplified Chinese, from Qt translation files in resources/."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from hiddenscope.gui.i18n import install_language, resolve_language, tr

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def chinese(qapp):
    assert install_language("zh_CN") == "zh_CN"
    yield
    install_language("en")


def test_the_window_speaks_chinese(qtbot, chinese, make_window):
    w = make_window()
    assert w.step_action.text() == "单步"
    assert w.init_action.text() == "初始化隐藏状态"
    assert w.config_panel.apply_button.text() == "应用"
    headers = [w.shape_panel.table.horizontalHeaderItem(i).text() for i in range(3)]
    assert headers == ["运算", "形状", "步长"]
    w.step_action.trigger()
    assert w.shape_panel.table.item(0, 4).text() == "视图（无复制）"
    w.play_action.trigger()
    assert w.play_action.text() == "暂停"
    w.pause()


def test_english_is_back_after_switching(qapp):
    install_language("zh_CN")
    assert tr("Step") == "单步"
    install_language("en")
    assert tr("Step") == "Step"


def test_explicit_choices_win_over_the_system_locale():
    assert resolve_language("en") == "en"
    assert resolve_language("zh_CN") == "zh_CN"
    assert resolve_language("auto") in ("en", "zh_CN")


def test_every_string_the_gui_translates_has_a_chinese_translation():
    spec = importlib.util.spec_from_file_location("translations", ROOT / "scripts" / "translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    have = module.translated(ROOT / "resources" / "i18n" / "hiddenscope_zh_CN.ts")
    missing = sorted(s for s in module.tr_strings() if not have.get(s))
    assert not missing


def test_the_shipped_qm_is_compiled_from_the_ts(tmp_path):
    import shutil
    import subprocess
    import sys

    lrelease = shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent)) or shutil.which("pyside6-lrelease")
    if lrelease is None:
        pytest.skip("pyside6-lrelease is not installed")
    ts = ROOT / "resources" / "i18n" / "hiddenscope_zh_CN.ts"
    subprocess.run([lrelease, str(ts), "-qm", str(tmp_path / "fresh.qm")], check=True, capture_output=True)
    assert (tmp_path / "fresh.qm").read_bytes() == ts.with_suffix(".qm").read_bytes(), (
        "run python scripts/translations.py to rebuild the .qm"
    )
