"""Text that changes every frame while playing (t, step time, frames per second, captions) without
making the window lay itself out again."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QHelpEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QTextDocument,
    QTextOption,
)
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolTip, QWidget


class SteadyLabel(QLabel):
    """A label that keeps its place while its text changes.

    A plain ``QLabel`` whose text changes asks the layouts above it to recompute, and
    the request climbs to the main window: while playing at 1024 × 64 × 96 the window
    was laid out about three times a frame for the status bar and the timeline alone.
    Qt stops that climb at a widget of fixed size, so this label has one: as wide as
    the widest text it has shown (at least ``min_width``), one line high.  It never
    narrows, so the labels beside it do not jump left and right as numbers change
    from "9.87 ms" to "10.02 ms" and back, until :meth:`forget_width` (its owner calls
    it when what it shows changes kind, e.g. a new session): the next text sets the width.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None, min_width: int = 0) -> None:
        super().__init__(parent)
        self._min_width = min_width
        self._width = 0  # the fixed width: the widest text shown so far (0: none yet)
        self._forget = False  # the next text sets the width afresh (forget_width)
        self.setText(text)

    def setText(self, text: str) -> None:
        """Show ``text``, never narrower than before (unless :meth:`forget_width` was called)."""
        if text == self.text() and self._width and not self._forget:
            return
        super().setText(text)
        self._fit(0 if self._forget else self._width)
        self._forget = False

    def forget_width(self) -> None:
        """Let the next text set the width, narrower too."""
        self._forget = True

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange) and self._width:
            self._fit(0)  # another font: the widest text so far no longer says how wide

    def _fit(self, at_least: int) -> None:
        if not at_least and self._width:
            self.setMinimumSize(0, 0)  # QLabel's size hint is never below its minimum size: let it narrow
        hint = self.sizeHint()
        width = max(hint.width(), self._min_width, at_least)
        if (width, hint.height()) != (self._width, self.minimumHeight()):
            self._width = width
            self.setFixedSize(width, hint.height())


class CaptionLine(QWidget):
    """One line of plain or rich text across the width its layout gives it, cut at the right edge.

    For captions that change every frame while playing (the grid's "h_t …", the shape panel's
    "t = …").  A ``QLabel`` there makes every layout up to the main window recompute on each
    change (the grid, the docks and the window, about twice a frame); this line only repaints
    itself: its size does not depend on its text.  A text too long for the width is cut at the
    edge, where an ellipsis says so, and its tooltip then shows it whole.
    """

    def __init__(self, rich: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._rich = rich
        self._doc = QTextDocument(self)
        self._doc.setDocumentMargin(0)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.NoWrap)
        self._doc.setDefaultTextOption(option)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        # Opaque (the window's own background colour): a new text repaints this line, not the dock behind it.
        self.setAutoFillBackground(True)
        self._fit_height()

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self._doc.setHtml(text) if self._rich else self._doc.setPlainText(text)
            self.update()

    def clear(self) -> None:
        self.setText("")

    def sizeHint(self) -> QSize:
        return QSize(200, self.minimumHeight())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.minimumHeight())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_height()

    def is_cut(self) -> bool:
        """Whether the text is wider than the line (so part of it is not drawn)."""
        return self._doc.idealWidth() > self.width()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and self.is_cut() and isinstance(event, QHelpEvent):
            tip = self.toolTip()
            QToolTip.showText(event.globalPos(), self._doc.toPlainText() + (f"\n\n{tip}" if tip else ""), self)
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        colour = self.palette().color(QPalette.ColorRole.WindowText)
        clip = self.rect()
        if self.is_cut():  # the text ends in an ellipsis at the edge, so a cut never reads as if it ran on
            clip.setRight(self.width() - self.fontMetrics().horizontalAdvance("…") - 1)
            painter.setPen(colour)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "…")
        painter.setClipRect(clip)
        painter.translate(0, max(0.0, (self.height() - self._doc.size().height()) / 2))
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, colour)
        self._doc.documentLayout().draw(painter, context)

    def _fit_height(self) -> None:
        self._doc.setDefaultFont(self.font())
        # As tall as a line mixing what the captions hold: bold, code, subscripts and symbols.
        sample = QTextDocument()
        sample.setDocumentMargin(0)
        sample.setDefaultFont(self.font())
        sample.setHtml("<b>Ag</b> <code>Ag</code> h<sub>t−1</sub> ⚠ ▼ 图")
        self.setFixedHeight(math.ceil(sample.size().height()) + 2)
