"""Check and compile the interface translations.

    python scripts/translations.py          # compile resources/i18n/*.ts to .qm with pyside6-lrelease
    python scripts/translations.py --check  # list tr("...") strings in gui/ that have no translation

The .ts files are the source of truth and are edited by hand (or in Qt Linguist).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"


def translated_call(node: ast.AST) -> bool:
    """``tr("...")``, or a call whose first literal the window shows through tr(): what failed
    (``model.attempt("Step", ...)``, ``model.failed.emit("Step", ...)``)."""
    if not isinstance(node, ast.Call) or not node.args:
        return False
    if not (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id == "tr"
    if isinstance(func, ast.Attribute) and func.attr == "attempt":
        return True
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "emit"
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "failed"
    )


def tr_strings() -> set[str]:
    """Every literal passed to tr() in gui/, and every "what failed" the window translates when it shows it."""
    found = set()
    for path in (ROOT / "gui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if translated_call(node):
                found.add(node.args[0].value)
    return found


def translated(ts: Path) -> dict[str, str]:
    root = ET.parse(ts).getroot()
    return {m.findtext("source"): m.findtext("translation") or "" for m in root.iter("message")}


def main() -> int:
    if "--check" in sys.argv:
        missing = 0
        for ts in sorted(I18N.glob("*.ts")):
            have = translated(ts)
            for text in sorted(tr_strings()):
                if not have.get(text):
                    print(f"{ts.name}: no translation for {text!r}")
                    missing += 1
        return 1 if missing else 0
    for ts in sorted(I18N.glob("*.ts")):
        subprocess.run(["pyside6-lrelease", str(ts), "-qm", str(ts.with_suffix(".qm"))], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
