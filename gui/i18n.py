"""The interface's language: English, or Simplified Chinese (the seed note's language).

Strings shown to the user go through :func:`tr`; their Chinese text lives in
``resources/i18n/hiddenscope_zh_CN.ts`` (Qt's translation format), compiled to
the ``.qm`` beside it that Qt loads at start-up.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from hiddenscope.gui.theme import resource_path

CONTEXT = "hiddenscope"
LANGUAGES = {"auto": "Automatic (system)", "en": "English", "zh_CN": "中文（简体）"}
_installed: list[QTranslator] = []  # keeps the translator alive as long as the app


def tr(text: str, disambiguation: str | None = None) -> str:
    """``text`` in the interface's language.

    ``disambiguation`` tells apart one English text that needs two translations (the
    ``<comment>`` of its entry in the ``.ts``), e.g. "Agents" as a count and as a set of agents.
    """
    return QCoreApplication.translate(CONTEXT, text, disambiguation)


def resolve_language(choice: str | None) -> str:
    """``auto`` (or nothing) follows the system locale: Chinese locales get Chinese."""
    if choice in ("en", "zh_CN"):
        return choice
    return "zh_CN" if QLocale.system().name().startswith("zh") else "en"


def install_language(choice: str | None) -> str:
    """Load the translation for ``choice`` into the running application; returns the language used."""
    for translator in _installed:
        QCoreApplication.removeTranslator(translator)
    _installed.clear()
    language = resolve_language(choice)
    if language != "en":
        translator = QTranslator()
        if translator.load(resource_path(f"i18n/hiddenscope_{language}.qm")):
            QCoreApplication.installTranslator(translator)
            _installed.append(translator)
            # Qt's own texts (OK and Cancel in dialogs, the file dialogs) from the translations Qt ships.
            qt = QTranslator()
            if qt.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
                QCoreApplication.installTranslator(qt)
                _installed.append(qt)
        else:
            language = "en"
    return language
