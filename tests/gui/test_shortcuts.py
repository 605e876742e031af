"""Every key the window answers to does one thing: Qt ignores a shortcut two actions share."""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtGui import QAction, QKeySequence

from hiddenscope.core import Config


def test_no_two_actions_share_a_shortcut(make_window):
    w = make_window(Config(batch_size=2, n_agents=2, hidden_dim=16))
    owners: dict[str, list[str]] = defaultdict(list)
    for action in w.findChildren(QAction):
        for key in action.shortcuts():
            owners[key.toString(QKeySequence.SequenceFormat.PortableText)].append(action.text())
    shared = {key: names for key, names in owners.items() if len(names) > 1}
    assert not shared, f"shortcuts used twice: {shared}"
    assert len(owners) > 20  # the window's actions were found


def test_a_shortcut_reaches_its_action(qtbot, make_window):
    w = make_window(Config(batch_size=2, n_agents=2, hidden_dim=16))
    qtbot.keyClick(w, "]")  # Step op, from the keyboard
    assert w.model.view.op_index == 0
