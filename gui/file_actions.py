"""Saving and loading from the app: screenshots, views, export, checkpoints, inputs, dropped files.

A plain object the main window holds: it gets the widget to parent its dialogs
on, the model, the heatmap grid (whose page a screenshot shows) and the settings
(which remember folders).  Every write goes through :mod:`hiddenscope.core.files`
(temporary file, then rename); every load goes through the model, so a failure
leaves the session as it was and says why.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from hiddenscope.core.checkpoint import RunSettings

from .heatmaps import HeatmapGrid
from .i18n import tr
from .model import StepperModel
from .screenshot import render_grid, save_png, screenshot_title

DROPPABLE = (".th", ".pt", ".pth", ".safetensors", ".npy", ".npz")


class FileActions:
    """The File menu's work, and what happens to a dropped file."""

    def __init__(self, parent: QWidget, model: StepperModel, grid: HeatmapGrid, settings: QSettings) -> None:
        self.parent, self.model, self.grid, self.settings = parent, model, grid, settings
        self.model_source = ""  # the checkpoint file on screen ('' for the seed model)
        self._seed_config = model.config  # what File → Seed model goes back to
        self.run_settings: RunSettings | None = None  # the loaded run's config.json, where it had one

    @property
    def stepper(self):
        return self.model.stepper

    def _say(self, text: str, ms: int = 6000) -> None:
        self.model.message.emit(text, ms)

    def _ask_path(self, title: str, proposed: str, filter_text: str, key: str) -> Path | None:
        folder = self.settings.value(key, str(Path.home()))
        name, _ = QFileDialog.getSaveFileName(
            self.parent,
            title,
            str(Path(str(folder)) / proposed),
            filter_text,
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if not name:
            return None
        path = Path(name)
        if path.exists():
            answer = QMessageBox.question(
                self.parent,
                "hiddenscope — replace file?",
                f"{path} already exists. Replace it?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return None
        self.settings.setValue(key, str(path.parent))
        return path

    def _ask_open(self, title: str, filter_text: str, key: str) -> Path | None:
        folder = str(self.settings.value(key, str(Path.home())))
        name, _ = QFileDialog.getOpenFileName(self.parent, title, folder, filter_text)
        if not name:
            return None
        self.settings.setValue(key, str(Path(name).parent))
        return Path(name)

    # -- pictures ----------------------------------------------------------
    def _title(self, agent: int | None = None) -> str:
        s = self.stepper
        title = screenshot_title(self.model.frame.t, s.config.label(), str(s.device), s.config.dtype, self.grid.caption)
        agents = self.grid.visible_agents()
        if agent is None and self.grid.pages > 1:  # say which page the picture is
            title += f" · agents {agents[0]}–{agents[-1]} of {s.config.n_agents}"
        return title

    def screenshot_image(self, agent: int | None = None) -> QImage:
        """The heatmaps shown (the grid's page, or one agent) painted at full resolution."""
        from .unit_marks import arranged, order_caption

        values = self.grid.values if self.grid.values is not None else self.model.frame.hidden
        agents = self.grid.visible_agents() if agent is None else [agent]
        title = self._title(agent) + (f" · {order_caption(self.model)}" if self.model.unit_order is not None else "")
        # Columns in the order the grid shows them (View → Order units); the title lists the first units.
        return render_grid(arranged(values, self.model.unit_order), agents, title, self.grid.levels)

    def save_screenshot(self, path: str | Path | None = None, agent: int | None = None) -> Path | None:
        """Save the heatmaps shown (the page, or one agent) as a PNG; asks for a path when none is given."""
        self.model.aboutToAct.emit()
        if path is None:
            who = f"_agent{agent}" if agent is not None else ""
            path = self._ask_path(
                "Save heatmap screenshot",
                f"hiddenscope_t{self.model.frame.t:05d}{who}.png",
                "PNG image (*.png)",
                "files/screenshot_dir",
            )
            if path is None:
                return None
        from hiddenscope.core.files import check_output_path

        def write() -> Path:
            return save_png(
                self.screenshot_image(agent), check_output_path(path, force=True, what="screenshot"), self._title(agent)
            )

        ok, saved = self.model.attempt("Save screenshot", write)
        if ok:
            self._say(f"Saved {saved}")
        return saved

    def save_view(self, view: QWidget, name: str, path: str | Path | None = None) -> Path | None:
        """Save a side view (history, gates, summary, …) as it is drawn: PNG, or SVG for a path ending ``.svg``."""
        from hiddenscope.core.files import check_output_path

        from .view_export import FORMATS, save_view_image

        self.model.aboutToAct.emit()
        t = self.model.frame.t
        if path is None:
            path = self._ask_path("Save view", f"hiddenscope_{name}_t{t:05d}.png", FORMATS, "files/screenshot_dir")
            if path is None:
                return None

        title = f"hiddenscope · {name} at t = {t} · {self.stepper.config.label()}"
        ok, saved = self.model.attempt(
            "Save view",
            lambda: save_view_image(view, check_output_path(path, force=True, what="image"), title),
        )
        if ok:
            self._say(f"Saved {saved}")
        return saved

    def copy_screenshot(self) -> None:
        """Put the heatmaps shown on the clipboard, for pasting into slides or notes."""
        QApplication.clipboard().setImage(self.screenshot_image())
        self._say("Copied the heatmap grid to the clipboard", 4000)

    def export_history(self, path: str | Path | None = None) -> Path | None:
        """Save the held history to ``.npz``; asks for a path when none is given."""
        self.model.aboutToAct.emit()
        if path is None:
            path = self._ask_path(
                "Export history",
                f"hiddenscope_history_t{self.model.frame.t:05d}.npz",
                "NumPy archive (*.npz)",
                "files/export_dir",
            )
            if path is None:
                return None
        from hiddenscope.core.export import export_npz
        from hiddenscope.core.files import check_output_path

        ok, saved = self.model.attempt(
            "Export history", lambda: export_npz(self.stepper, check_output_path(path, force=True, what="export"))
        )
        if ok:
            self._say(f"Exported {len(self.stepper.history)} timesteps to {saved}")
        return saved

    # -- models and inputs ---------------------------------------------------
    def open_checkpoint(self, path: str | Path | None = None) -> bool:
        """Step a trained agent instead; on any problem say which and keep the model on screen.

        ``path`` may be an ``agent.th`` (or another weights file), a step folder or a
        run folder (its latest step).  With a live environment on, the environment is
        planned again for the new agent (its inputs as the run built them).
        """
        if path is None:
            path = self._ask_open(
                tr("Open checkpoint"),
                "Checkpoints (*.th *.pt *.pth *.safetensors);;All files (*)",
                "files/checkpoint_dir",
            )
            if path is None:
                return False
        from hiddenscope.core.checkpoint import load_agent

        if not self.model_source:
            self._seed_config = self.stepper.config

        def load() -> str:
            loaded = load_agent(path)
            c = self.stepper.config
            config = c.replace(**loaded.fixed(), model=loaded.label)
            if c.env:
                from hiddenscope.core.env_inputs import env_inputs_factory

                inputs, config = env_inputs_factory(
                    config,
                    c.env,
                    dict(c.env_options),
                    last_action=loaded.settings.obs_last_action,
                    agent_id=loaded.settings.obs_agent_id,
                    fixed_input=True,
                )
                self.stepper.set_factories(loaded.build, inputs, config)
            else:
                self.stepper.set_model_factory(loaded.build, config)
            self.run_settings = loaded.settings
            return f"{loaded.path}{f' ({loaded.note})' if loaded.note else ''}"

        ok, where = self.model.attempt("Open checkpoint", load)
        if not ok:
            return False
        self.model_source = Path(path).name
        self.parent.setWindowTitle(f"hiddenscope — {self.model_source}")
        self._say(f"Loaded {where}: {self.stepper.units} GRU units, {self.stepper.config.label()}", 8000)
        return True

    def open_run_folder(self, path: str | Path | None = None) -> bool:
        """A PyMARL-family run folder (its latest step) or step folder, chosen as a folder."""
        if path is None:
            folder = str(self.settings.value("files/checkpoint_dir", str(Path.home())))
            name = QFileDialog.getExistingDirectory(self.parent, tr("Open run folder"), folder)
            if not name:
                return False
            self.settings.setValue("files/checkpoint_dir", name)
            path = name
        return self.open_checkpoint(path)

    def use_seed_model(self) -> bool:
        """Back to the seed's own agent; the sizes in the configuration panel apply again."""
        from hiddenscope.core.stepper import seed_model

        # The seed model's own sizes as they were before the checkpoint; the session's batch and agents.
        c = self.stepper.config
        config = self._seed_config.replace(
            batch_size=c.batch_size, n_agents=c.n_agents, seed=c.seed, device=c.device, dtype=c.dtype
        )
        if not self.model.attempt("Seed model", self.stepper.set_model_factory, seed_model, config)[0]:
            return False
        self.model_source = ""
        self.run_settings = None
        self.parent.setWindowTitle("hiddenscope")
        self._say(f"Seed model: {config.label()}")
        return True

    def open_inputs(self, path: str | Path | None = None) -> bool:
        """Feed the agent inputs from a file; on any problem say which and keep the current inputs."""
        if path is None:
            path = self._ask_open(tr("Open inputs"), "Arrays (*.npy *.npz *.pt);;All files (*)", "files/inputs_dir")
            if path is None:
                return False
        from hiddenscope.core.input_files import file_inputs_factory

        if not self._switch_inputs("Open inputs", lambda config: file_inputs_factory(path, config)):
            return False
        bad = getattr(self.stepper.source, "nonfinite_count", 0)
        note = f"; {bad:,} NaN/Inf values, drawn black" if bad else ""
        self._say(f"Inputs from {path}{note}", 8000)
        return True

    def _switch_inputs(self, what: str, make) -> bool:
        """Install an input source from ``make(config) -> (factory, config)``; keep the old one on any error."""

        def switch() -> None:
            self.stepper.set_input_factory(*make(self.stepper.config))

        if not self.model.attempt(what, switch)[0]:
            return False
        self._say(f"Inputs: {self.stepper.source.describe()}", 8000)
        return True

    def choose_environment(self) -> bool:
        """Ask which environment (and its options, and how to act), then feed the agents from it."""
        from .env_dialog import EnvironmentDialog

        c = self.stepper.config
        dialog = EnvironmentDialog(c.n_agents, self.settings, self.parent, agents_fixed=c.family == "epymarl-ns")
        if dialog.exec() != EnvironmentDialog.DialogCode.Accepted:
            return False
        return self.use_environment(*dialog.choices())

    def use_environment(
        self, name: str = "simple_spread", options: dict[str, str] | None = None, actions: str = ""
    ) -> bool:
        """Feed the agents from live environments ``name``; a trained agent gets its inputs as its run built them."""
        from hiddenscope.core.env_inputs import MIRRORED, env_inputs_factory

        def plan(config):
            if actions:
                config = config.replace(actions=actions)
            trained = config.family in MIRRORED
            settings = self.run_settings or RunSettings()
            typed = dict(options or {})
            return env_inputs_factory(
                config,
                name,
                typed,
                last_action=settings.obs_last_action,
                agent_id=settings.obs_agent_id,
                n_agents=None if typed or name == "vmas" else config.n_agents,
                fixed_input=trained,
            )

        return self._switch_inputs(f"Inputs from {name}", plan)

    def use_pattern_inputs(self) -> bool:
        from hiddenscope.core.stepper import pattern_inputs

        return self._switch_inputs("Pattern inputs", lambda config: (pattern_inputs, config))

    # -- drag and drop -------------------------------------------------------
    @staticmethod
    def droppable(urls: list) -> Path | None:
        """The one local file of a kind hiddenscope opens among dropped ``urls``, else ``None``."""
        if len(urls) != 1 or not urls[0].isLocalFile():
            return None
        path = Path(urls[0].toLocalFile())
        return path if path.is_dir() or path.suffix.lower() in DROPPABLE else None

    def open_dropped(self, path: Path) -> bool:
        """Open a dropped file as what it holds (a ``.pt`` may be a checkpoint or inputs); a folder is a run."""
        from hiddenscope.core.file_kind import file_kind

        if path.is_dir():
            return self.open_checkpoint(path)
        ok, kind = self.model.attempt("Open dropped file", file_kind, path)
        if not ok:
            return False
        return self.open_inputs(path) if kind == "inputs" else self.open_checkpoint(path)
