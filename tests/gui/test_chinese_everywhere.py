"""Every text the window shows in zh_CN is Chinese (issue 25): docks, tabs, menus, tooltips,
the status bar, plot axes and captions, and the app's own dialogs.

The window is opened in Simplified Chinese, stepped, every dock raised, the movie and environment
dialogs opened (and answered by a timer) and a few messages raised; every text found is checked for
English words.  What may stay as it is — names, units, op and dtype names, format suffixes, code —
is on :data:`ALLOWED`, each with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, QTimer
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QDockWidget,
    QDoubleSpinBox,
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QGraphicsView,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QMessageBox,
    QSpinBox,
    QTabBar,
    QTableWidget,
    QToolBar,
    QWidget,
)

from hiddenscope.core.envs import env_options
from hiddenscope.gui.i18n import install_language

# Words that stay in Latin letters in a Chinese interface, with why.
# fmt: off
ALLOWED = {
    # The program's and the libraries' / environments' own names.
    "auto",  # the device choice "auto" (with "cpu", "cuda": what --device takes)
    "hiddenscope", "pymarl", "epymarl", "pymarl2", "mpe", "lbf", "lbforaging", "rware", "vmas", "pettingzoo",
    "pytorch", "torch", "torchscript", "qt", "umap", "pca", "gru", "grucell", "lstm", "lstmcell", "rnn", "mlp",
    "qmix", "vdn", "iql", "mappo", "ippo", "cuda", "cpu", "mps", "mkl", "openmp", "ffmpeg", "imageio", "numpy",
    # The modifier keys, by the names on their keys ("Ctrl/Shift: several").
    "ctrl", "shift", "alt",
    # Units and abbreviations written in Latin letters in Chinese, too.
    "mib", "gib", "kib", "fps", "std", "max", "min",
    # File formats (also their suffixes).
    "png", "gif", "svg", "pdf", "csv", "npz", "npy", "json", "yaml", "jpg", "jpeg", "bmp", "tiff", "mp4",
    "tar", "zip", "pth", "ckpt", "safetensors", "txt",
    # dtype names and the tensor ops the shape trace names (code, not prose).
    "float16", "float32", "float64", "bfloat16", "int64", "int32", "bool",
    "reshape", "view", "detach", "permute", "transpose", "contiguous", "expand", "squeeze", "unsqueeze",
    "flatten", "clone", "cat", "stack", "tanh", "sigmoid", "relu", "softmax", "argmax", "linear", "matmul",
    "init_hidden", "forward", "logits", "pi_logits",
    # Named measures, written by their authors' names in Chinese too.
    "jaccard", "pearson", "cosine",
    # A language's own name in the Language menu.
    "english",
}
# fmt: on
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
KEY_NAMES = (
    r"(?:Space|Home|End|Left|Right|Up|Down|Esc|PgUp|PgDown|Page ?Up|Page ?Down|Return|Enter|Tab|Del|F\d+|[^\s()])"
)
# A shortcut after a tooltip ("(Ctrl+Shift+E)"): the keys' names, as printed on the keyboard.
SHORTCUT = re.compile(rf"\((?:(?:Ctrl|Shift|Alt|Meta)\+)+[^\s()]+\)|\({KEY_NAMES}\)")
# What the user types, quoted ('scenario', “all”) or as a command-line option (--edit): literal input.
LITERAL = re.compile(r"'[A-Za-z_][\w.-]*'|“[^”]*”|「[^」]*」|--[a-z][\w-]*")


def english_words(text: str) -> list[str]:
    """The words of ``text`` that are English: 3+ Latin letters, not on the allow-list.

    Words in capitals are acronyms or placeholders; identifiers with an underscore or a digit
    (``gru_cell``, ``h_t``, ``n_agents``, ``float32``) are code names (an option's key, a tensor's name)
    and stay as they are; so does a file name (``agent.th``).
    """
    found = []
    text = LITERAL.sub(" ", SHORTCUT.sub(" ", text))
    text = re.sub(r"\S+\.(?:th|pt|pth|npz|png|gif|mp4|svg|pdf|csv|json|yaml|py)\b", " ", text)
    for word in WORD.findall(text):
        if "_" in word or any(ch.isdigit() for ch in word):
            continue
        if word.isupper():  # an acronym (PCA, PNG) or a placeholder for what to type (LO,HI, SIGMA, AGENTS)
            continue
        if len(word) >= 3 and word.lower() not in ALLOWED:
            found.append(word)
    return found


def plain(text: str) -> str:
    if "<" in text and ">" in text:
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


class Texts:
    """Texts gathered with where each was found."""

    def __init__(self) -> None:
        self.found: dict[str, set[str]] = {}
        self.literal: set[str] = set()  # what the user types as it is: an option's key, its default value
        self.literal_words: set[str] = set()  # an option's values, named in its tooltip

    def add(self, where: str, text: str | None) -> None:
        text = plain(text or "").replace("&&", "&").replace("&", "").strip()
        if text and text not in self.literal:
            self.found.setdefault(text, set()).add(where)

    def english(self) -> list[str]:
        return sorted(
            f"{sorted(where)[0]}: {text!r} ({', '.join(english_words(text))})"
            for text, where in self.found.items()
            if set(english_words(text)) - self.literal_words
        )


def name_of(widget: QWidget) -> str:
    parts = []
    while widget is not None:
        if isinstance(widget, QDockWidget):
            parts.append(f"dock {widget.objectName()}")
            break
        if isinstance(widget, QDialog) or widget.isWindow():
            parts.append(type(widget).__name__)
            break
        widget = widget.parentWidget()
    return "/".join(parts) or "?"


def gather_widget(texts: Texts, widget: QWidget) -> None:
    where = f"{name_of(widget)} {type(widget).__name__}"
    texts.add(f"{where} tooltip", widget.toolTip())
    texts.add(f"{where} status tip", widget.statusTip())
    if isinstance(widget, QLabel):
        texts.add(where, widget.text())
    if isinstance(widget, QAbstractButton):
        texts.add(where, widget.text())
    if isinstance(widget, QGroupBox):
        texts.add(where, widget.title())
    if isinstance(widget, QDockWidget):
        texts.add(where, widget.windowTitle())
    if isinstance(widget, QDialog):
        texts.add(f"{where} title", widget.windowTitle())
    if isinstance(widget, QTabBar):
        for i in range(widget.count()):
            texts.add(f"{where} tab", widget.tabText(i))
            texts.add(f"{where} tab tooltip", widget.tabToolTip(i))
    if isinstance(widget, QComboBox):
        for i in range(widget.count()):
            texts.add(f"{where} item", widget.itemText(i))
        texts.add(f"{where} placeholder", widget.placeholderText())
    if isinstance(widget, QLineEdit):
        texts.add(f"{where} placeholder", widget.placeholderText())
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        texts.add(f"{where} suffix", widget.suffix())
        texts.add(f"{where} prefix", widget.prefix())
    if isinstance(widget, QAbstractSpinBox):
        texts.add(f"{where} special", widget.specialValueText())
    if isinstance(widget, QListWidget):
        for i in range(widget.count()):
            texts.add(f"{where} item", widget.item(i).text())
            texts.add(f"{where} item tooltip", widget.item(i).toolTip())
    if isinstance(widget, QTableWidget):
        from hiddenscope.gui.views.shape_trace import CODE_COLUMN

        code_column = CODE_COLUMN if name_of(widget) == "dock shapes" else -1
        for c in range(widget.columnCount()):
            header = widget.horizontalHeaderItem(c)
            if header is not None:
                texts.add(f"{where} header", header.text())
                texts.add(f"{where} header tooltip", header.toolTip())
            for r in range(widget.rowCount()):
                item = widget.item(r, c)
                code = widget.item(r, code_column) if code_column >= 0 else None
                if item is not None and c != code_column:  # the code column shows the model's own source lines
                    texts.add(f"{where} cell", item.text())
                    tip = item.toolTip()  # which also quotes the line of code
                    texts.add(f"{where} cell tooltip", tip.replace(code.text(), "") if code is not None else tip)
    if isinstance(widget, (QMenu, QToolBar)):
        for action in widget.actions():
            texts.add(f"{where} action", action.text())
            texts.add(f"{where} action tooltip", action.toolTip() if action.toolTip() != action.text() else "")
            texts.add(f"{where} action status tip", action.statusTip())
            if action.menu() is not None:
                gather_widget(texts, action.menu())
    if isinstance(widget, QGraphicsView) and widget.scene() is not None:
        for item in widget.scene().items():
            if isinstance(item, QGraphicsTextItem):
                texts.add(f"{where} plot text", item.toPlainText())
            elif isinstance(item, QGraphicsSimpleTextItem):
                texts.add(f"{where} plot text", item.text())
            if isinstance(item, pg.AxisItem) and item.label.isVisible():
                texts.add(f"{where} axis", item.labelString())


def gather(texts: Texts, top: QWidget) -> None:
    for widget in [top, *top.findChildren(QWidget)]:
        gather_widget(texts, widget)


def answer_dialog_with(texts: Texts, inspect: Callable[[QDialog], None] | None = None) -> list[bool]:
    """A timer that gathers the texts of the next modal dialog and rejects it; ``[True]`` once it has."""
    seen: list[bool] = []

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, look)
            return
        gather(texts, dialog)
        if inspect is not None:
            inspect(dialog)
        seen.append(True)
        dialog.reject()

    QTimer.singleShot(0, look)
    return seen


@pytest.fixture
def chinese(qapp):
    assert install_language("zh_CN") == "zh_CN"
    yield
    install_language("en")


def test_allow_list_catches_english():
    assert english_words("第 3 步 · agent 2 的 h_t，float32 在 cpu 上") == ["agent"]
    assert english_words("Save screenshot…") == ["Save", "screenshot"]
    assert english_words("保存为 hiddenscope_t00001.gif（GIF）") == []
    assert english_words("复制 --edit 文本 (Ctrl+Shift+C)；单元：“all” 或 'scenario'") == []
    assert english_words("Next page (Page Down)") == ["Next", "page"]


def test_every_text_of_the_window_is_chinese(qtbot, chinese, make_window, monkeypatch, tmp_path):
    texts = Texts()
    boxes: list[tuple[str, str]] = []
    for kind in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, kind, lambda parent, title, text, *a, **k: boxes.append((title, text)))
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda parent, title, text, *a, **k: boxes.append((title, text)) or QMessageBox.StandardButton.No,
    )
    w = make_window()
    for _ in range(3):
        w.acts.step.trigger()
    if not w.acts.trace.isChecked():  # the shape trace's table filled
        w.acts.trace.trigger()
    w.acts.step.trigger()
    qtbot.wait(50)
    texts.add("status bar message", w.statusBar().currentMessage())
    texts.add("heatmap hover", w.grid.describe(0, 0, 0))
    for dock in w.findChildren(QDockWidget):
        dock.show()
        dock.raise_()
        qtbot.wait(30)
        gather(texts, dock)
    gather(texts, w)
    popups: list[QMenu] = []  # a heatmap's right-click menu, looked at instead of shown
    monkeypatch.setattr(QMenu, "popup", lambda menu, *_args: popups.append(menu))
    w._on_agent_menu(0, QPointF(10, 10))
    assert popups, "the agent menu did not open"
    for menu in popups:
        gather_widget(texts, menu)
    for menu_action in w.menuBar().actions():
        texts.add("menu bar", menu_action.text())
        if menu_action.menu() is not None:
            gather_widget(texts, menu_action.menu())

    # The app's dialogs: each opened by its own action, looked at and cancelled.
    def every_environment(dialog: QDialog) -> None:
        box = dialog.env_box
        for i in range(box.count()):
            box.setCurrentIndex(i)
            # The option keys (``--env-arg KEY=VALUE``) label the fields; a field shows its default greyed.
            for key, edit in dialog.option_edits.items():
                texts.literal.update((key, edit.placeholderText()))
            for option in env_options(dialog.name):
                texts.literal_words.update(str(choice) for choice in option.choices)
            gather(texts, dialog)

    seen = answer_dialog_with(texts, every_environment)
    w.acts.env.trigger()
    assert seen, "the environment dialog did not open"
    seen = answer_dialog_with(texts)
    w.sessions.movie_action.trigger()
    assert seen, "the movie dialog did not open"

    # A few messages: a failure, a stopped Play, a size that asks first.
    w.model.failed.emit("Export movie", "t = 5..3")
    texts.add("status bar message", w.statusBar().currentMessage())
    for title, text in boxes:
        texts.add("message box title", title)
        texts.add("message box", text)
    english = texts.english()
    assert not english, "English in the Chinese interface:\n" + "\n".join(english)


def test_a_live_environments_status_and_a_replaced_followed_file_speak_chinese(qtbot, chinese, make_window, tmp_path):
    pytest.importorskip("lbforaging")
    import numpy as np

    import hiddenscope

    w = make_window()
    assert w.files.use_environment("lbf", {"players": "2", "max_episode_steps": "5"}, "run")
    w.acts.step.trigger()
    label = w.status.episodes_label.text()
    assert label.strip().startswith("lbf · ") and english_words(label.replace("lbf", "")) == [], label
    path = tmp_path / "run.h5"
    with hiddenscope.record(path, 2) as rec:
        rec.step(np.zeros((1, 2, 3), np.float32))
    w.sessions.follow_session(path)
    qtbot.waitUntil(lambda: w.model.held.last == 1, timeout=5000)
    with hiddenscope.record(path, 2, force=True) as rec:
        for _ in range(2):
            rec.step(np.ones((1, 2, 3), np.float32))
    qtbot.waitUntil(lambda: w.model.held.last == 2, timeout=5000)
    said = w.statusBar().currentMessage()
    assert "run.h5" in said and english_words(said.replace("run.h5", "").replace("force", "")) == [], said
