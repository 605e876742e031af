"""Starting the desktop app."""

from __future__ import annotations

import sys

from hiddenscope.core.config import Config
from hiddenscope.core.stepper import BaseStepper, Stepper


def run_app(
    session: Config | BaseStepper,
    history_budget: int | None = None,
    argv: list[str] | None = None,
    language: str | None = None,
    follow: str | None = None,
) -> int:
    """Open the main window on a stepper (or a config to build one) and run until it closes.

    ``language`` is ``en``, ``zh_CN`` or ``auto``; by default the one chosen in View → Language.
    ``follow`` names a session another process is writing, shown as it grows (File → Follow session…).
    Returns the exit status.
    """
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from hiddenscope.gui.i18n import install_language
    from hiddenscope.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setOrganizationName("hiddenscope")
    app.setApplicationName("hiddenscope")
    QApplication.setStyle("Fusion")
    install_language(language or str(QSettings().value("ui/language", "auto")))
    stepper = session if isinstance(session, BaseStepper) else Stepper(session, history_budget=history_budget)
    window = MainWindow(stepper)
    window.show()
    if follow is not None:
        window.sessions.follow_session(follow)
    return app.exec()
