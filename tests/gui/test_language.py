"""The interface in Simplified Chinese, from Qt translation files in resources/."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from hiddenscope.gui.i18n import install_language, tr

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def chinese(qapp):
    assert install_language("zh_CN") == "zh_CN"
    yield
    install_language("en")


def test_the_window_speaks_chinese(qtbot, chinese, make_window):
    w = make_window()
    assert w.acts.step.text() == "单步"
    assert w.acts.init.text() == "初始化隐藏状态"
    assert w.config_panel.apply_button.text() == "应用"
    headers = [w.shape_panel.table.horizontalHeaderItem(i).text() for i in range(3)]
    assert headers == ["运算", "形状", "步长"]
    w.acts.step.trigger()
    assert w.shape_panel.table.item(0, 4).text() == "视图（无复制）"
    w.acts.play.trigger()
    assert w.acts.play.text() == "暂停"
    w.pause()


def test_english_is_back_after_switching(qapp):
    install_language("zh_CN")
    assert tr("Step") == "单步"
    install_language("en")
    assert tr("Step") == "Step"


def resolved_under_locale(choice: str, locale: str) -> str:
    """``resolve_language(choice)`` in a fresh process whose system locale is ``locale``."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "LC_ALL": locale, "LANG": locale, "LANGUAGE": "", "QT_QPA_PLATFORM": "offscreen"}
    code = f"from hiddenscope.gui.i18n import resolve_language; print(resolve_language({choice!r}))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("locale, auto", [("zh_CN.UTF-8", "zh_CN"), ("en_US.UTF-8", "en"), ("de_DE.UTF-8", "en")])
def test_auto_follows_the_system_locale_and_explicit_choices_win(locale, auto):
    assert resolved_under_locale("auto", locale) == auto
    assert resolved_under_locale("en" if auto == "zh_CN" else "zh_CN", locale) == ("en" if auto == "zh_CN" else "zh_CN")


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

    lrelease = shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent)) or shutil.which(
        "pyside6-lrelease"
    )
    if lrelease is None:
        pytest.skip("pyside6-lrelease is not installed")
    ts = ROOT / "resources" / "i18n" / "hiddenscope_zh_CN.ts"
    subprocess.run([lrelease, str(ts), "-qm", str(tmp_path / "fresh.qm")], check=True, capture_output=True)
    assert (tmp_path / "fresh.qm").read_bytes() == ts.with_suffix(".qm").read_bytes(), (
        "run python scripts/translations.py to rebuild the .qm"
    )
