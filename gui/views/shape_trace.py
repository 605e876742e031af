"""The shape panel: the live trace of the timestep shown, one row per tensor transition.

A view of a :class:`~hiddenscope.gui.stepper_model.StepperModel`: it shows each frame's
trace and the op walked with Step op; its buttons walk through the model.  A step with no
trace (fast-forward, tracing off, a recording without traces) folds the panel to one line
that says why and offers Trace this step where the step can be re-run (:attr:`ShapePanel.compact`);
while Play runs it folds or unfolds only once the frames have wanted it for a while, so the
docks around it do not jump when traced and untraced frames alternate.
"""

from __future__ import annotations

import re
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hiddenscope.core.history import Frame
from hiddenscope.core.retrace import can_retrace
from hiddenscope.core.trace import TraceRecord
from hiddenscope.core.trace_notes import note_for
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.theme import icon
from hiddenscope.gui.widgets.controls import tool_button
from hiddenscope.gui.widgets.steady_label import CaptionLine

COLUMNS = (
    "op",
    "shape",
    "stride",
    "contiguous",
    "view / copy",
    "tensor",
    "device",
    "dtype",
    "line of code that ran it",
)
CODE_COLUMN = len(COLUMNS) - 1
MONO_COLUMNS = (0, 1, 2, CODE_COLUMN)
KIND_TEXT = {"view": "view (no copy)", "new": "new memory", "in-place": "in place"}  # translated when shown
WEIGHTS = re.compile(r"\+(\d+) weights\b")  # what an op's text says of the weights it was given
CURRENT_BRUSH = QBrush(QColor("#ffe082"))
NOTE_BRUSH = QBrush(QColor("#ffccbc"))
SETTLE_MS = 1000  # while playing: how long frames must all want the other height before the panel changes it
SCRUB_S = 0.4  # paused: a change this soon after the last one (scrubbing through mixed steps) waits to settle too
TABLE_ROWS_SHOWN = 4  # unfolded, the table keeps room for at least this many rows
OP_WIDTH = 320  # at most, in pixels: a long op (layer_norm with its arguments) is cut with "…", whole in its tooltip


class ShapePanel(QWidget):
    """Shows a trace; one row is "current" (the op just run, or the one picked with Step op).

    ``compactChanged(bool)`` says the panel folded to its one line (True) or unfolded to its
    table (False), for the window to give the dock's height to its neighbours and back.
    """

    compactChanged = Signal(bool)

    def __init__(self, model: StepperModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.compact = False  # folded to one line: the step shown has no trace
        self.trace_key = "T"  # the key of View → Record shape trace, named where tracing is off (set_trace_key)
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)  # Play: a change of height waits
        self._settle.timeout.connect(self._settled)
        self._changed_at = -SCRUB_S  # when the panel last folded or unfolded (time.monotonic)
        self._shown_t = -1  # the t of the frame shown: the same t again is a retrace, shown at once
        self.records: list[TraceRecord] = []
        self.batch_size = 1
        self.n_agents = 1
        self.op_index = -1  # -1: the whole step has run, the last row is current
        self._signature: tuple | None = None
        self._highlighted: tuple | None = None

        self.header = CaptionLine(rich=True)
        self.op_back_button = tool_button(tip=tr("Previous tensor transition of this step ([)"), icon=icon("op_back"))
        self.op_button = tool_button(tip=tr("Step op: next tensor transition of this step (])"), icon=icon("op"))
        self.op_button.setText(tr("Step op"))
        self.op_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.op_label = QLabel()
        self.trace_button = QPushButton(tr("Trace this step"))
        self.trace_button.setToolTip(
            tr(
                "Re-run this step from h(t−1) and its inputs, both held in history, with tracing on,"
                " and show what its tensors really did"
            )
        )
        self.trace_button.setVisible(False)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setMinimumHeight(self.table.horizontalHeader().sizeHint().height() + TABLE_ROWS_SHOWN * 22 + 4)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(CODE_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)  # sized in _fill, up to OP_WIDTH
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.header, 1)
        top.addWidget(self.trace_button)
        top.addWidget(self.op_label)
        top.addWidget(self.op_back_button)
        top.addWidget(self.op_button)
        layout = self._layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        self.op_button.clicked.connect(model.next_op)
        self.op_back_button.clicked.connect(model.previous_op)
        self.trace_button.clicked.connect(model.trace_step)
        model.frameChanged.connect(self._on_frame)
        model.opChanged.connect(self._on_op)
        self._on_frame(model.frame)

    def set_trace_key(self, key: str) -> None:
        """The key that turns tracing on (the window's Record shape trace), as the folded line names it."""
        self.trace_key = key

    def _on_frame(self, frame: Frame) -> None:
        c = self.model.config
        self.set_trace(frame.trace or [], frame.t, c.batch_size, c.n_agents)
        stepper = self.model.stepper
        retraceable = frame.t > 0 and can_retrace(stepper) and self.model.held.holds(frame.t - 1)
        if not frame.trace:
            self.header.setText(self._untraced_text(frame.t, retraceable))
        elif frame.retraced:
            self.header.setText(self.header.text() + " · " + tr("traced afterwards, re-run from history"))
        if c.env and frame.trace and frame.t > 0:  # how this step's outputs became actions, and who chose that
            why = f" ({c.actions_from})" if c.actions_from else ""
            self.header.setText(self.header.text() + " · " + tr("actions: {how}").format(how=f"{c.actions}{why}"))
        self.trace_button.setVisible(not frame.trace and retraceable)
        self._want_compact(not frame.trace, at_once=frame.t == self._shown_t)
        self._shown_t = frame.t

    def _untraced_text(self, t: int, retraceable: bool) -> str:
        """The folded line: which step was not traced, why, and what would trace it."""
        stepper = self.model.stepper
        shown = f"<b>t = {t}</b>"
        if stepper.capabilities.is_recording:
            why = tr("{t} was not traced: the recording holds no trace of this step")
        elif not stepper.tracing:
            why = tr("{t} was not traced: tracing is off (View → Record shape trace, {key})")
        else:  # tracing is on, yet this step was not: fast-forward did not draw it
            why = tr("{t} was not traced: fast-forward computed it without drawing it")
        text = why.format(t=shown, key=self.trace_key)
        if retraceable:
            text += " — " + tr("Trace this step re-runs it from history")
        return text

    # -- folding to one line ----------------------------------------------
    def _want_compact(self, compact: bool, at_once: bool = False) -> None:
        """Fold (or unfold) for the frame shown: at once when paused, while playing once it has settled.

        Paused, a change that follows the last one within ``SCRUB_S`` (the timeline dragged over
        traced and untraced steps) waits until the frames have wanted it for ``SCRUB_S``, unless it
        is the same step traced: re-laying out the window for every frame made scrubbing 5× slower.
        """
        if compact == self.compact:
            self._settle.stop()  # a frame that agrees with the panel as it is: no change is due
        elif self.model.playing:
            if not self._settle.isActive():
                self._settle.start(SETTLE_MS)
        elif at_once or time.monotonic() - self._changed_at >= SCRUB_S:
            self._settle.stop()
            self._set_compact(compact)
        elif not self._settle.isActive():
            self._settle.start(round(SCRUB_S * 1000))

    def _settled(self) -> None:
        """Every frame since the timer started wanted the other height (a frame that did not stopped it)."""
        self._set_compact(not self.records)

    def _set_compact(self, compact: bool) -> None:
        if compact == self.compact:
            return
        self.compact = compact
        self._changed_at = time.monotonic()
        for widget in (self.table, self.op_label, self.op_back_button, self.op_button):
            widget.setVisible(not compact)
        self.note.setVisible(not compact and bool(self.note.text()))
        self.compactChanged.emit(compact)

    def line_height(self) -> int:
        """How tall the folded panel is: its one line (with or without Trace this step) and the margins."""
        margins = self._layout.contentsMargins()
        line = max(self.header.minimumHeight(), self.trace_button.sizeHint().height())
        return line + margins.top() + margins.bottom()

    def _on_op(self, index: int) -> None:
        self.op_index = index
        self._highlight()

    # -- what is shown ----------------------------------------------------
    @property
    def _seed_model(self) -> bool:
        """The seed note's own model: its table is what the flattened state is set against."""
        return self.model.stepper.config.family == "seed"

    def set_trace(
        self, records: list[TraceRecord], t: int, batch_size: int, n_agents: int, batch_call: str = ""
    ) -> None:
        """Show the trace that produced timestep ``t``; resets Step op to the whole step."""
        self.records = records
        self.batch_size, self.n_agents = batch_size, n_agents
        self.op_index = -1
        if not records:
            self.header.setText(f"<b>t = {t}</b> · " + tr("tracing is off"))
        elif records[0].phase == "init":
            initial = tr("the initial hidden state")
            self.header.setText(f"<b>t = 0</b> · <code>init_hidden({batch_size})</code>: {initial}")
        else:
            turns = tr("step {t}: {forward} turns {before} into {after}").format(
                t=t, forward="<code>forward</code>", before=f"h<sub>{t - 1}</sub>", after=f"h<sub>{t}</sub>"
            )
            self.header.setText(f"<b>t = {t}</b> · {turns}")
        signature = tuple(r[3:] for r in records)  # everything but step, phase and index
        if signature != self._signature:
            self._signature = signature
            self._fill()
        self._highlight()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.records))
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        for row, r in enumerate(self.records):
            note = note_for(r, self.batch_size, self.n_agents, tr, seed=self._seed_model)
            cells = (
                op_text(r.op),
                str(tuple(r.shape)),
                str(tuple(r.stride)),
                tr("yes") if r.contiguous else tr("no"),
                tr(KIND_TEXT[r.kind]) if r.kind in KIND_TEXT else r.kind,
                ("⚠ " if note else "") + tr(r.role, "tensor role"),  # input, hidden, new hidden, …
                r.device,
                r.dtype,
                r.code,
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in MONO_COLUMNS:
                    item.setFont(mono)
                tip = f"{op_text(r.op)}  →  {tuple(r.shape)}  {tr('stride')} {tuple(r.stride)}\n{r.code}"
                if r.storage_numel != r.numel:
                    over = tr("{values} values over {numbers} numbers in memory")
                    tip += "\n" + over.format(values=f"{r.numel:,}", numbers=f"{r.storage_numel:,}")
                if note:
                    tip += f"\n⚠ {note}"
                item.setToolTip(tip)
                self.table.setItem(row, col, item)
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(0, min(self.table.columnWidth(0), OP_WIDTH))

    def _highlight(self) -> None:
        current = self.current_row
        # Re-colouring items repaints the table: skip it when nothing it shows has changed.
        state = (current, self._signature, self.batch_size, self.n_agents)
        if state == self._highlighted:
            return
        self._highlighted = state
        notes = []
        for row, r in enumerate(self.records):
            note = note_for(r, self.batch_size, self.n_agents, tr, seed=self._seed_model)
            if note and row <= current:
                notes.append(f"<b>{op_text(r.op)}</b>: {note}")
            brush = CURRENT_BRUSH if row == current else NOTE_BRUSH if note else QBrush()
            for col in range(self.table.columnCount()):
                item = self.table.item(row, col)
                if item is not None:
                    item.setBackground(brush)
                    item.setForeground(
                        QBrush(QColor("#000000")) if brush.style() != Qt.BrushStyle.NoBrush else QBrush()
                    )
        current_item = self.table.item(current, 0) if current >= 0 else None
        if current_item is not None:
            self.table.scrollToItem(current_item)
        self.note.setText("<br>".join(f"⚠ {n}" for n in notes) if notes else "")
        self.note.setVisible(bool(notes) and not self.compact)
        n = len(self.records)
        self.op_label.setText(tr("op {i} of {n}").format(i=current + 1, n=n) if n else "")
        self.op_button.setEnabled(n > 1)
        self.op_back_button.setEnabled(n > 0 and current > 0)

    @property
    def current_row(self) -> int:
        return len(self.records) - 1 if self.op_index == -1 else self.op_index


def op_text(op: str) -> str:
    """An op as the trace names it (``gru_cell(160×16, 160×96, +4 weights)``), its words in the interface's language."""
    return WEIGHTS.sub(lambda m: tr("+{n} weights").format(n=m.group(1)), op)
