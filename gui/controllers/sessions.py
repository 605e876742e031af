"""Sessions in the app: open a recording to replay, record what Step and Play compute, movies and figures.

:class:`SessionControls` holds the File menu's session actions and the Record toggle.

- **Replay**: a session file opens as a :class:`~hiddenscope.core.replay.ReplayStepper`,
  which the window's one :class:`StepperModel` shows in place of the live stepper
  (``set_stepper``): every view reads it as it reads a live run.  The live run is kept,
  and File → Close session goes back to it.
- **Record**: a :class:`Recording` streams every step the stepper computes to a new
  ``.h5`` through :class:`~hiddenscope.core.session.SessionRecorder`, in the thread that
  computed it (Play's worker), right after the step: the history never drops a step that
  was not written, so memory stays within the history's budget however long it runs.
- **Movies and figures**: the heatmap grid over a range of t as GIF or MP4
  (:mod:`hiddenscope.gui.export.movie`), and the grid shown as SVG or PDF through Qt's own generators.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMarginsF,
    QObject,
    QRect,
    QSettings,
    QSignalBlocker,
    QSize,
    QSizeF,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QPageLayout, QPageSize, QPaintDevice, QPainter, QPdfWriter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QSpinBox,
    QWidget,
)

from hiddenscope.core.config import Config
from hiddenscope.core.errors import FileProblem
from hiddenscope.core.file_kind import SESSION_SUFFIXES
from hiddenscope.core.files import atomic_write, check_output_path
from hiddenscope.core.stepper import BaseStepper, Stepper
from hiddenscope.gui.controllers.actions import window_action
from hiddenscope.gui.controllers.files import FileActions
from hiddenscope.gui.controllers.long_work import Cancelled, Progress, run_with_progress
from hiddenscope.gui.export.movie import picture_frame, step_to
from hiddenscope.gui.export.render import paint_picture, picture_layout
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.views.heatmap_grid import HeatmapGrid

if TYPE_CHECKING:  # sessions are read (h5py loaded) when one is opened, recorded or followed, not at start
    from hiddenscope.core.replay import ReplayStepper

FOLLOW_POLL_MS = 250  # how often a followed file is asked for new steps (its writer flushes at least once a second)
FOLLOW_QUIET_S = 1.5  # no new step for this long: the status bar says it is waiting for steps

# translated when shown: the tooltip of an action that changes the model or its inputs (a recording has neither)
NOT_LIVE = "Not for a recorded session (it holds states, not a model): File → Close session goes back to the live run"


class Recording(QObject):
    """One recording in progress: every step the stepper computes goes to ``path`` as it is computed.

    Signals
    -------
    ended(str)
        The recording stopped on its own (a write failed, the session started over): why,
        and what the file holds.  May be emitted from Play's worker (queued to the GUI thread).
    """

    ended = Signal(str)
    written = Signal(int)  # steps in the file now (from the thread that wrote them)

    def __init__(self, stepper: Stepper, path: Path, force: bool) -> None:
        super().__init__()
        self.stepper, self.path = stepper, path
        # From the step shown: stepped back into history, Play then moves through the held steps
        # before it computes new ones, and the file holds every step watched from here on.
        from hiddenscope.core.session import SessionRecorder

        self.recorder = SessionRecorder(path, stepper, force=force, from_t=stepper.t)
        self.active = True
        try:
            self.recorder.record_new()
        except FileProblem:
            self.active = False
            raise
        stepper.changed.connect(self._on_change)

    @property
    def steps(self) -> int:
        return self.recorder.steps

    def _on_change(self, kind: str) -> None:
        """Called by the stepper after each change, in the thread that made it."""
        if not self.active:
            return
        try:
            if kind in ("init", "rebuild"):
                self._end()
                self.ended.emit(tr("Recording stopped: the run started over; {held}").format(held=self.held()))
            elif kind == "step" and self.recorder.record_new():
                self.written.emit(self.recorder.steps)
        except FileProblem as exc:  # the recorder kept what was complete, if the disk took it, and says so
            self._end(closed=True)
            self.ended.emit(tr("Recording stopped: {why}").format(why=exc))

    def held(self) -> str:
        holds = tr("{name} holds 1 step") if self.steps == 1 else tr("{name} holds {n} steps")
        return holds.format(name=self.path.name, n=self.steps)

    def _end(self, closed: bool = False) -> None:
        self.active = False
        self.stepper.changed.disconnect(self._on_change)
        if not closed:
            self.recorder.close()

    def stop(self) -> str:
        """Finish the file; returns what it holds.  FileProblem if it could not be finished."""
        if self.active:
            self._end()
        return self.held()


class SessionControls(QObject):
    """The session actions of a window: open/close a session, Record, movies and figures.

    A QObject living on the GUI thread, so what a recording reports from Play's worker
    (``written``, ``ended``) reaches its methods queued, on the GUI thread.
    """

    def __init__(
        self,
        window: QMainWindow,
        model: StepperModel,
        grid: HeatmapGrid,
        files: FileActions,
        settings: QSettings,
        *,
        live_only: Sequence[QAction | QWidget],
    ) -> None:
        super().__init__(window)
        self.window, self.model, self.grid, self.files, self.settings = window, model, grid, files, settings
        self.live_only = tuple(live_only)  # the window's actions (and panel) that change the model or its inputs
        self.live: BaseStepper | None = None  # the live run kept while a recording is shown
        self.recording: Recording | None = None

        def action(text: str, slot, tip: str, key: str | None = None, icon_name: str | None = None) -> QAction:
            return window_action(window, text, slot, tip, key, icon_name)

        self.open_action = action(
            tr("Open session…"),
            lambda: self.open_session(),
            tr("Replay a recorded session (.h5) with no model: Step, Back, the timeline and Play move through it"),
            "Ctrl+Alt+O",
            "open",
        )
        self.follow_action = action(
            tr("Follow session…"),
            lambda: self.follow_session(),
            tr("Open a session another process is writing (hiddenscope.record, watch); new steps show as they land"),
            None,
        )
        self.close_action = action(tr("Close session"), self.close_session, tr("Back to the live run"), None)
        self.record_action = action(
            tr("Record"),
            lambda checked: self.start_recording() if checked else self.stop_recording(),
            tr("Record every step Step and Play compute to a new session file (.h5); click again to finish it"),
            "Ctrl+R",
            "record",
        )
        self.record_action.setCheckable(True)
        self.movie_action = action(
            tr("Export movie…"),
            lambda: self.export_movie(),
            tr("The heatmaps over a range of t as an animated GIF or an MP4, with the title line and t on each frame"),
            "Ctrl+M",
        )
        self.figure_action = action(
            tr("Save heatmaps as SVG/PDF…"),
            lambda: self.save_figure(),
            tr("The heatmap grid shown, as a vector figure (text and colour bar as text) for papers and slides"),
            "Ctrl+Shift+S",
        )
        # Which recorded state the views show: h, or a named one (an LSTM's cell c, another layer).
        self.state_menu = QMenu(tr("State shown"))
        self.state_menu.setToolTipsVisible(True)
        self.record_label = QLabel()
        self.record_label.setStyleSheet("color: #e53935; font-weight: bold")
        self.record_label.setToolTip(tr("Recording: the session file and how many steps it holds so far"))
        self.record_label.hide()
        window.statusBar().addPermanentWidget(self.record_label)
        # Following a file still written: polled a few times a second, on the GUI thread, never while Play runs.
        self.follow_path: Path | None = None
        self._follow_timer = QTimer(self)
        self._follow_timer.setInterval(FOLLOW_POLL_MS)
        self._follow_timer.timeout.connect(self._follow_tick)
        self._last_arrival = 0.0
        self.follow_label = QLabel()
        self.follow_label.setToolTip(tr("Following a session another process is writing: the steps arrived so far"))
        self.follow_label.hide()
        window.statusBar().addPermanentWidget(self.follow_label)
        self._show_mode()

    @property
    def replaying(self) -> bool:
        return self.model.stepper.capabilities.is_recording

    # -- replay ------------------------------------------------------------
    @staticmethod
    def droppable(urls: list) -> Path | None:
        if len(urls) != 1 or not urls[0].isLocalFile():
            return None
        path = Path(urls[0].toLocalFile())
        return path if path.suffix.lower() in SESSION_SUFFIXES else None

    def open_session(self, path: str | Path | None = None) -> bool:
        """Replay the session at ``path`` (asked for when None); a bad file is a dialog and nothing changes."""
        if path is None:
            path = self.files._ask_open(
                tr("Open session"), "Sessions (*.h5 *.hdf5);;All files (*)", "files/session_dir"
            )
            if path is None:
                return False
        chosen = Path(path)

        from hiddenscope.core.replay import ReplayStepper
        from hiddenscope.core.session import SessionReader

        def read() -> ReplayStepper:
            # On the GUI thread: the checks read only the file's metadata, and its steps are read as the
            # views ask.  (Reading it on a worker while Qt deletes objects on this thread deadlocked h5py.)
            reader = SessionReader(chosen)
            try:
                return ReplayStepper(reader)
            except BaseException:
                reader.close()
                raise

        ok, replay = self.model.attempt("Open session", read)
        if not ok:
            return False
        self.stop_following()
        self._show_replay(replay)
        reader = replay.reader
        self.model.message.emit(
            tr("Replaying {name} (t = {first}..{last}): Step, Back, the timeline and Play move through it").format(
                name=reader.path.name, first=reader.first, last=reader.last
            ),
            10000,
        )
        return True

    def _show_replay(self, replay: ReplayStepper) -> None:
        self.stop_recording()
        old = self.model.stepper
        if not old.capabilities.is_recording:
            self.live = old
        self._show_stepper(replay)
        if old.capabilities.is_recording:
            old.close()

    # -- following a file still written ------------------------------------
    def follow_session(self, path: str | Path | None = None) -> bool:
        """Show the session at ``path`` and its new steps as another process writes them.

        Until the file holds a flushed step (or exists) the status bar says it is waiting;
        then the recording is shown and grows, the shown t following the newest step
        unless you stepped back.  Closing the session, or opening another, stops following.
        """
        if path is None:
            path = self.files._ask_open(
                tr("Follow session"), "Sessions (*.h5 *.hdf5);;All files (*)", "files/session_dir"
            )
            if path is None:
                return False
        self.stop_following()
        self.follow_path = Path(path)
        self._last_arrival = time.monotonic()
        self.follow_label.show()
        self._follow_timer.start()
        self._follow_tick()
        return True

    def stop_following(self) -> None:
        self._follow_timer.stop()
        self.follow_path = None
        self.follow_label.hide()
        self.model.stepper.following = False

    @property
    def following(self) -> BaseStepper | None:
        """The followed recording, once it is shown."""
        stepper = self.model.stepper
        if stepper.capabilities.follows and stepper.reader is not None and stepper.reader.path == self.follow_path:
            return stepper
        return None

    def _follow_tick(self) -> None:
        from hiddenscope.core.live import NotReadableYet
        from hiddenscope.core.replay import FollowedFileReplaced

        path = self.follow_path
        if path is None:
            return
        followed = self.following
        if followed is None:
            followed = self._show_replay_of(path)
            if followed is None:
                return
        elif not self.model.playing:  # Play moves through what arrived; the new steps are taken once it stops
            try:
                if followed.refresh():
                    self._last_arrival = time.monotonic()
                    self._show_mode()
            except NotReadableYet:  # a new run under that name has only just begun: wait for its first step
                self._say_following(tr("{name}: a new recording there, waiting for its steps").format(name=path.name))
                return
            except FollowedFileReplaced:  # a new run under the same name: follow that one from its start
                said = tr("{name} was replaced by a new recording (one made with force): following it from its start")
                self.model.message.emit(said.format(name=path.name), 8000)
                self.model.stepper.following = False
                replaced = self._show_replay_of(path)
                if replaced is None:
                    return
                followed = replaced
            except FileProblem as exc:
                self.stop_following()
                self.model.failed.emit("Follow session", str(exc))
                return
        first = followed.reader.first if followed.reader is not None else 0
        quiet = time.monotonic() - self._last_arrival > FOLLOW_QUIET_S
        self._say_following(
            tr("Following {name}: t = {first}..{last}").format(name=path.name, first=first, last=followed.latest)
            + (" · " + tr("waiting for steps") if quiet else "")
        )

    def _show_replay_of(self, path: Path) -> ReplayStepper | None:
        """Show the followed file from its newest step (None while it holds no step yet)."""
        from hiddenscope.core.live import LiveSession
        from hiddenscope.core.replay import ReplayStepper

        try:
            reader = LiveSession(path)
        except (FileProblem, OSError):
            self._say_following(tr("{name}: waiting for steps (no step written yet)").format(name=path.name))
            return None
        try:
            replay = ReplayStepper(reader)
        except BaseException:
            reader.close()
            raise
        replay.following = True
        self._show_replay(replay)
        replay.seek(replay.latest)
        self._last_arrival = time.monotonic()
        return replay

    def _say_following(self, text: str) -> None:
        self.follow_label.setText(text)

    def close_session(self) -> bool:
        """Back to the live run (a fresh seed-model run when the app opened on a session)."""
        self.stop_following()
        old = self.model.stepper
        if not old.capabilities.is_recording or old.reader is None:
            return False
        live = self.live
        if live is None:
            c = old.config
            seed = Config(
                batch_size=c.batch_size, n_agents=c.n_agents, input_dim=c.input_dim, seed=c.seed, dtype=c.dtype
            )
            ok, live = self.model.attempt("Close session", Stepper, seed)
            if not ok:
                return False
        self._show_stepper(live)
        old.close()
        self.live = None
        self.model.message.emit(tr("Closed {name}; back to the live run").format(name=old.reader.path.name), 6000)
        return True

    def _show_stepper(self, stepper: BaseStepper) -> None:
        self.model.set_stepper(stepper)
        self._show_mode()

    def _show_mode(self) -> None:
        """Enable what fits a live run or a recording, and say in the title which is shown."""
        replaying = self.replaying
        for a in self.live_only:
            a.setEnabled(not replaying)
            if not a.property("live_tip"):
                a.setProperty("live_tip", a.toolTip())
            a.setToolTip(tr(NOT_LIVE) if replaying else str(a.property("live_tip")))
        self.record_action.setEnabled(not replaying)
        self.close_action.setEnabled(replaying)
        self._fill_state_menu()
        reader = self.model.stepper.reader
        if reader is not None:
            self.window.setWindowTitle(
                "hiddenscope — "
                + tr("{name} (recorded session, t = {first}..{last})").format(
                    name=reader.path.name, first=reader.first, last=reader.last
                )
            )
        else:
            source = getattr(self.files, "model_source", "")
            self.window.setWindowTitle(f"hiddenscope — {source}" if source else "hiddenscope")

    def _fill_state_menu(self) -> None:
        """One checkable entry per state the run holds; more than h only in a recording that has them."""
        stepper = self.model.stepper
        self.state_menu.clear()
        for name in stepper.state_names:
            action = self.state_menu.addAction(name, partial(self.show_state, name))
            action.setCheckable(True)
            action.setChecked(name == stepper.state_name)
            action.setToolTip(tr("Show this recorded state in every view, in place of h"))
        self.state_menu.setEnabled(len(stepper.state_names) > 1)

    def show_state(self, name: str) -> bool:
        """Show the recording's state ``name`` (``h``, ``c``, ``layer0.h``…) in every view."""
        ok, _ = self.model.attempt("Show state", self.model.stepper.show_state, name)
        self._fill_state_menu()
        if ok:
            self.model.message.emit(tr("Showing the state {name}").format(name=name), 5000)
        return ok

    # -- record ------------------------------------------------------------
    def start_recording(self, path: str | Path | None = None) -> bool:
        """Record from the newest step on to a new session file (asked for when None; never replaced without a yes)."""
        if self.recording is not None:
            return True
        if self.replaying:
            self._uncheck()
            self.model.message.emit(tr("A recorded session cannot be recorded again: it is a session already"), 6000)
            return False
        force = False  # a path given by a script must not exist
        if path is None:
            path = self.files._ask_path(
                tr("Record to session"),
                f"hiddenscope_run_t{self.model.stepper.t:05d}.h5",
                tr("Session (*.h5 *.hdf5)"),
                "files/session_dir",
            )
            if path is None:
                self._uncheck()
                return False
            force = Path(path).exists()  # the person said yes to replacing it
        ok, recording = self.model.attempt("Record", Recording, self.model.stepper, Path(path), force)
        if not ok:
            self._uncheck()
            return False
        recording.ended.connect(self._on_ended)
        recording.written.connect(self._show_recording)
        self.recording = recording
        self.record_action.setChecked(True)
        self._show_recording()
        self.model.message.emit(tr("Recording to {path} from t = {t}").format(path=path, t=self.model.stepper.t), 6000)
        return True

    def stop_recording(self) -> str:
        """Finish the recording (if any); returns what the file holds."""
        recording, self.recording = self.recording, None
        self._uncheck()
        self._show_recording()
        if recording is None:
            return ""
        self.model.aboutToAct.emit()  # Play stops: the last step it computed is written before the file closes
        ok, held = self.model.attempt("Record", recording.stop)
        if ok:
            self.model.message.emit(tr("Recorded {path}: {held}").format(path=recording.path, held=held), 8000)
        return held or ""

    @Slot(str)
    def _on_ended(self, why: str) -> None:
        if self.recording is None:
            return
        self.recording = None
        self._uncheck()
        self._show_recording()
        self.model.failed.emit("Record", why)

    def _uncheck(self) -> None:
        with QSignalBlocker(self.record_action):
            self.record_action.setChecked(False)

    @Slot()
    @Slot(int)
    def _show_recording(self, *_args: object) -> None:
        r = self.recording
        self.record_label.setVisible(r is not None)
        if r is not None:
            steps = tr("1 step") if r.steps == 1 else tr("{n} steps").format(n=r.steps)
            self.record_label.setText(f"  ● REC {r.path.name} · {steps}  ")

    # -- movies and figures ------------------------------------------------
    def movie_frames(self, start: int, stop: int, agents: list[int], page_note: str = ""):
        """Frames for t = start..stop: the picture the grid shows, at each t (its order, difference, compare mode).

        Past the newest step a live run steps on, as Play would show it.
        """
        stepper = self.model.stepper
        comp = self.model.comparison
        for t in range(start, stop + 1):
            step_to(stepper, t)
            if comp is not None:
                comp.advance_to(t)
            yield picture_frame(self.model.picture(t, agents, page_note))

    def export_movie(
        self,
        path: str | Path | None = None,
        start: int | None = None,
        stop: int | None = None,
        fps: float | None = None,
    ) -> Path | None:
        """The heatmaps shown (the page of agents, the compare mode) for t = start..stop as GIF or MP4."""
        from hiddenscope.gui.export import movie

        self.model.aboutToAct.emit()
        hist = self.model.bounds()
        if path is None:
            asked = self._ask_movie(hist.first, hist.last)
            if asked is None:
                return None
            path, start, stop, fps = asked
        start = hist.first if start is None else start
        stop = hist.last if stop is None else stop
        fps = fps or 10.0
        path = Path(path)
        live = not self.replaying
        if not (hist.holds(start) and (hist.holds(stop) or (live and stop > hist.last)) and start <= stop):
            where = "" if live else " " + tr("(a recording has no more steps)")
            self.model.failed.emit(
                "Export movie",
                tr("t = {start}..{stop} is not held: it holds t = {first}..{last}").format(
                    start=start, stop=stop, first=hist.first, last=hist.last
                )
                + where,
            )
            return None
        ok, _ = self.model.attempt("Export movie", movie.check_available, path.suffix.lower())
        if not ok:
            return None
        total = stop - start + 1
        agents, note = self.grid.visible_agents(), self.grid.page_note()
        target = path

        def write(progress: Progress) -> Path:
            # On a worker: the frames are stepped (past the newest, live) and painted there; the window keeps drawing.
            def frames():
                for frame in self.movie_frames(start, stop, agents, note):
                    progress.check()
                    yield frame

            check_output_path(target, force=True, what="movie")
            movie.write_movie(frames(), target, fps, total, lambda done, _total: progress.report(done))
            return target

        def run() -> Path:
            return run_with_progress(
                self.window,
                tr("hiddenscope — Export movie"),
                tr("Writing {name}…").format(name=target.name),
                total,
                write,
            )

        try:
            ok, saved = self.model.attempt("Export movie", run)
        except Cancelled:
            self.model.message.emit(tr("Movie cancelled; {name} was not written").format(name=path.name), 6000)
            return None
        if ok:
            said = tr("Saved {path}: {n} frames, t = {start}..{stop}").format(
                path=saved, n=total, start=start, stop=stop
            )
            self.model.message.emit(said, 8000)
        return saved if ok else None

    def _ask_movie(self, first: int, last: int) -> tuple[Path, int, int, float] | None:
        dialog = QDialog(self.window)
        dialog.setWindowTitle(tr("hiddenscope — Export movie"))
        form = QFormLayout(dialog)
        start_box, stop_box = QSpinBox(), QSpinBox()
        start_box.setRange(first, last)
        start_box.setValue(first)
        start_box.setToolTip(tr("First timestep of the movie"))
        stop_box.setRange(first, last if self.replaying else last + 100_000)
        stop_box.setValue(last)
        stop_box.setToolTip(
            tr("Last timestep of the movie") + ("" if self.replaying else tr("; past the newest, the model steps on"))
        )
        fps_box = QDoubleSpinBox(minimum=0.5, maximum=60.0, value=10.0, decimals=1, suffix=" fps")
        kind_box = QComboBox()
        kind_box.addItems(["GIF (.gif)", "MP4, H.264 (.mp4)"])  # format names, as in any language
        remembered = str(self.settings.value("movie/kind", 0))
        kind_box.setCurrentIndex(1 if remembered == "1" else 0)
        form.addRow(tr("From t"), start_box)
        form.addRow(tr("To t"), stop_box)
        form.addRow(tr("Speed"), fps_box)
        form.addRow(tr("Format"), kind_box)
        form.addRow(
            QLabel(tr("The page of agents shown, in the compare mode shown; the title line and t on each frame."))
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        form.addRow(buttons)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        suffix = ".gif" if kind_box.currentIndex() == 0 else ".mp4"
        self.settings.setValue("movie/kind", kind_box.currentIndex())
        start, stop = sorted((start_box.value(), stop_box.value()))
        path = self.files._ask_path(
            tr("Export movie"),
            f"hiddenscope_t{start:05d}-{stop:05d}{suffix}",
            tr("Movie (*{suffix})").format(suffix=suffix),
            "files/movie_dir",
        )
        return None if path is None else (path, start, stop, fps_box.value())

    def figure_bytes(self, kind: str) -> bytes:
        """The heatmap grid shown (page, compare mode, levels), painted by an SVG or PDF generator."""
        picture = self.grid.page_picture()
        title = picture.title
        layout = picture_layout(picture, axes=True)  # a figure for a paper: rows and units numbered
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        device: QPaintDevice
        if kind == ".svg":
            from PySide6.QtSvg import QSvgGenerator

            svg = device = QSvgGenerator()
            svg.setOutputDevice(buffer)
            svg.setSize(QSize(layout.width, layout.height))
            svg.setViewBox(QRect(0, 0, layout.width, layout.height))
            svg.setTitle(title)
            svg.setDescription("hiddenscope heatmap grid")
        else:
            pdf = device = QPdfWriter(buffer)
            pdf.setTitle(title)
            pdf.setCreator("hiddenscope")
            pdf.setResolution(72)  # one layout pixel is one point
            pdf.setPageLayout(
                QPageLayout(
                    QPageSize(QSizeF(layout.width, layout.height), QPageSize.Unit.Point, "hiddenscope"),
                    QPageLayout.Orientation.Portrait,
                    QMarginsF(0, 0, 0, 0),
                )
            )
        painter = QPainter(device)
        try:
            paint_picture(painter, picture, axes=True)
        finally:
            painter.end()
        buffer.close()
        return bytes(data.data())

    def save_figure(self, path: str | Path | None = None) -> Path | None:
        """Save the heatmap grid shown as ``.svg`` or ``.pdf`` (asked for when None; never replaced without a yes)."""
        self.model.aboutToAct.emit()
        if path is None:
            path = self.files._ask_path(
                tr("Save heatmaps as SVG/PDF"),
                f"hiddenscope_t{self.model.frame.t:05d}.svg",
                tr("SVG figure (*.svg);;PDF document (*.pdf)"),
                "files/figure_dir",
            )
            if path is None:
                return None
        path = Path(path)
        kind = path.suffix.lower()
        if kind not in (".svg", ".pdf"):
            self.model.failed.emit(
                "Save figure", tr("{name}: a figure is saved as .svg or .pdf").format(name=path.name)
            )
            return None

        def write() -> Path:
            payload = self.figure_bytes(kind)
            return atomic_write(check_output_path(path, force=True, what="figure"), lambda h: h.write(payload))

        ok, saved = self.model.attempt("Save figure", write)
        if ok:
            self.model.message.emit(tr("Saved {path}").format(path=saved), 6000)
        return saved if ok else None
