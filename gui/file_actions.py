"""File actions of the main window: screenshots, views, export, checkpoints, inputs, drag-and-drop.

A mixin for :class:`~hiddenscope.gui.main_window.MainWindow`: it relies on the
window's ``stepper``, ``settings``, ``grid``, ``pause()`` and ``_guard()``.  Every
write goes through :mod:`hiddenscope.core.files` (temporary file, then rename);
every load keeps the session as it was when it fails.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from .i18n import tr
from .screenshot import render_grid, save_png, screenshot_title

DROPPABLE = (".th", ".pt", ".pth", ".safetensors", ".npy", ".npz")


class FileActions:
    """Saving and loading for the main window."""

    def _ask_path(self, title: str, proposed: str, filter_text: str, key: str) -> Path | None:
        folder = self.settings.value(key, str(Path.home()))
        name, _ = QFileDialog.getSaveFileName(
            self, title, str(Path(str(folder)) / proposed), filter_text, options=QFileDialog.Option.DontConfirmOverwrite
        )
        if not name:
            return None
        path = Path(name)
        if path.exists():
            answer = QMessageBox.question(
                self, "hiddenscope — replace file?", f"{path} already exists. Replace it?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return None
        self.settings.setValue(key, str(path.parent))
        return path

    def screenshot_image(self, agent: int | None = None):  # noqa: ANN201
        s = self.stepper
        values = self.grid.values if self.grid.values is not None else s.frame.hidden
        agents = list(range(s.config.n_agents)) if agent is None else [agent]
        title = screenshot_title(s.t, s.config.label(), str(s.device), s.config.dtype, self.grid.caption)
        return render_grid(values, agents, title, self.grid.levels)

    def save_screenshot(self, path: str | Path | None = None, agent: int | None = None) -> Path | None:
        """Save the heatmaps (all agents, or one) as a PNG; asks for a path when none is given."""
        self.pause()
        if path is None:
            who = f"_agent{agent}" if agent is not None else ""
            path = self._ask_path("Save heatmap screenshot", f"hiddenscope_t{self.stepper.t:05d}{who}.png", "PNG image (*.png)", "files/screenshot_dir")
            if path is None:
                return None
        from hiddenscope.core.files import check_output_path

        def write() -> Path:
            target = check_output_path(path, force=True, what="screenshot")
            s = self.stepper
            title = screenshot_title(s.t, s.config.label(), str(s.device), s.config.dtype, self.grid.caption)
            return save_png(self.screenshot_image(agent), target, title)

        saved = self._guard("Save screenshot", write)
        if saved is not None:
            self.statusBar().showMessage(f"Saved {saved}", 6000)
        return saved

    def save_view(self, view: QWidget, name: str, path: str | Path | None = None) -> Path | None:
        """Save a side view (history, gates, summary) as it is drawn, as a PNG."""
        self.pause()
        if path is None:
            path = self._ask_path("Save view", f"hiddenscope_{name}_t{self.stepper.t:05d}.png", "PNG image (*.png)", "files/screenshot_dir")
            if path is None:
                return None
        from hiddenscope.core.files import check_output_path

        title = f"hiddenscope · {name} at t = {self.stepper.t} · {self.stepper.config.label()}"
        saved = self._guard("Save view", lambda: save_png(view.grab().toImage(), check_output_path(path, force=True, what="image"), title))
        if saved is not None:
            self.statusBar().showMessage(f"Saved {saved}", 6000)
        return saved

    def copy_screenshot(self) -> None:
        """Put the heatmap grid image on the clipboard, for pasting into slides or notes."""
        QApplication.clipboard().setImage(self.screenshot_image())
        self.statusBar().showMessage("Copied the heatmap grid to the clipboard", 4000)

    def _ask_open(self, title: str, filter_text: str, key: str) -> Path | None:
        folder = str(self.settings.value(key, str(Path.home())))
        name, _ = QFileDialog.getOpenFileName(self, title, folder, filter_text)
        if not name:
            return None
        self.settings.setValue(key, str(Path(name).parent))
        return Path(name)

    def open_checkpoint(self, path: str | Path | None = None) -> bool:
        """Step a trained agent instead; on any problem say which and keep the model on screen."""
        self.pause()
        if path is None:
            path = self._ask_open(tr("Open checkpoint"), "Checkpoints (*.th *.pt *.pth *.safetensors);;All files (*)", "files/checkpoint_dir")
            if path is None:
                return False
        from hiddenscope.core.checkpoint import checkpoint_factory

        def load() -> bool:
            factory, config = checkpoint_factory(path, self.stepper.config)
            self.stepper.set_model_factory(factory, config)
            return True

        if not self._guard("Open checkpoint", load):
            return False
        self.model_source = Path(path).name
        self.setWindowTitle(f"hiddenscope — {self.model_source}")
        self.statusBar().showMessage(f"Loaded {path}: {self.stepper.units} GRU units, {self.stepper.config.label()}", 8000)
        return True

    def use_seed_model(self) -> bool:
        """Back to the seed's own agent; the sizes in the configuration panel apply again."""
        self.pause()
        from hiddenscope.core.stepper import seed_model

        config = self.stepper.config.replace(model="")
        if not self._guard("Seed model", lambda: self.stepper.set_model_factory(seed_model, config) or True):
            return False
        self.setWindowTitle("hiddenscope")
        self.statusBar().showMessage(f"Seed model: {config.label()}", 6000)
        return True

    def open_inputs(self, path: str | Path | None = None) -> bool:
        """Feed the agent inputs from a file; on any problem say which and keep the current inputs."""
        self.pause()
        if path is None:
            path = self._ask_open(tr("Open inputs"), "Arrays (*.npy *.npz *.pt);;All files (*)", "files/inputs_dir")
            if path is None:
                return False
        from hiddenscope.core.input_files import file_inputs_factory

        if not self._switch_inputs("Open inputs", lambda config: file_inputs_factory(path, config)):
            return False
        source = self.stepper.source
        bad = getattr(source, "nonfinite_count", 0)
        note = f"; {bad:,} NaN/Inf values, drawn black" if bad else ""
        self.statusBar().showMessage(f"Inputs from {path}{note}", 8000)
        return True

    def _switch_inputs(self, what: str, make) -> bool:  # noqa: ANN001
        """Install an input source from ``make(config) -> (factory, config)``; keep the old one on any error."""
        self.pause()

        def switch() -> bool:
            self.stepper.set_input_factory(*make(self.stepper.config))
            return True

        if not self._guard(what, switch):
            return False
        self.statusBar().showMessage(f"Inputs: {self.stepper.source.describe()}", 8000)
        return True

    def use_environment(self) -> bool:
        from hiddenscope.core.env_inputs import mpe_inputs_factory

        return self._switch_inputs("MPE inputs", mpe_inputs_factory)

    def use_pattern_inputs(self) -> bool:
        from hiddenscope.core.stepper import pattern_inputs

        return self._switch_inputs("Pattern inputs", lambda config: (pattern_inputs, config))

    def dragEnterEvent(self, event) -> None:  # noqa: ANN001, N802
        if self._dropped_path(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: ANN001, N802
        path = self._dropped_path(event)
        if path is None:
            return
        event.acceptProposedAction()
        if path.suffix.lower() in (".npy", ".npz"):
            self.open_inputs(path)
        else:
            self.open_checkpoint(path)

    @staticmethod
    def _dropped_path(event) -> Path | None:  # noqa: ANN001
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if len(urls) != 1 or not urls[0].isLocalFile():
            return None
        path = Path(urls[0].toLocalFile())
        return path if path.suffix.lower() in DROPPABLE else None

    def export_history(self, path: str | Path | None = None) -> Path | None:
        """Save the held history to ``.npz``; asks for a path when none is given."""
        self.pause()
        if path is None:
            path = self._ask_path("Export history", f"hiddenscope_history_t{self.stepper.t:05d}.npz", "NumPy archive (*.npz)", "files/export_dir")
            if path is None:
                return None
        from hiddenscope.core.export import export_npz
        from hiddenscope.core.files import check_output_path

        saved = self._guard("Export history", lambda: export_npz(self.stepper, check_output_path(path, force=True, what="export")))
        if saved is not None:
            self.statusBar().showMessage(f"Exported {len(self.stepper.history)} timesteps to {saved}", 6000)
        return saved


