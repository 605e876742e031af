"""Saving and loading from the app: screenshots, views, export, checkpoints, inputs, dropped files.

A plain object the main window holds: it gets the widget to parent its dialogs
on, the model, the heatmap grid (whose page a screenshot shows) and the settings
(which remember folders).  Every write goes through :mod:`hiddenscope.core.files`
(temporary file, then rename); every load goes through the model, so a failure
leaves the session as it was and says why.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from hiddenscope.core.checkpoint import RunSettings
from hiddenscope.core.errors import UserError
from hiddenscope.core.plan import Plan, Request
from hiddenscope.gui.export.render import render_picture, save_png
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.views.heatmap_grid import HeatmapGrid

DROPPABLE = (".th", ".pt", ".pth", ".safetensors", ".npy", ".npz")


def ask_open(parent: QWidget, settings: QSettings, title: str, filter_text: str, key: str) -> Path | None:
    """A file to open, asked in the folder remembered under ``key`` (which then remembers this one)."""
    folder = str(settings.value(key, str(Path.home())))
    name, _ = QFileDialog.getOpenFileName(parent, title, folder, filter_text)
    if not name:
        return None
    settings.setValue(key, str(Path(name).parent))
    return Path(name)


def suffix_mistake(path: Path, suffixes: list[str]) -> str:
    """What to say of a file name whose suffix is not one of the formats written there."""
    return tr("{name}: this is saved as {formats}; choose a name ending in {formats}").format(
        name=path.name, formats=" or ".join(suffixes)
    )


class FileActions:
    """The File menu's work, and what happens to a dropped file."""

    def __init__(self, parent: QWidget, model: StepperModel, grid: HeatmapGrid, settings: QSettings) -> None:
        self.parent, self.model, self.grid, self.settings = parent, model, grid, settings
        self._seed_config = model.config  # what File → Seed model goes back to

    @property
    def stepper(self):
        return self.model.stepper

    def _say(self, text: str, ms: int = 6000) -> None:
        self.model.message.emit(text, ms)

    def _ask_path(self, title: str, proposed: str, filter_text: str, key: str) -> Path | None:
        folder = self.settings.value(key, str(Path.home()))
        name, chosen_filter = QFileDialog.getSaveFileName(
            self.parent,
            title,
            str(Path(str(folder)) / proposed),
            filter_text,
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if not name:
            return None
        path = Path(name)
        suffixes = [suffix.lower() for suffix in re.findall(r"\*(\.[\w.]+)", filter_text)]
        if suffixes and not path.suffix:  # "run": the format chosen in the dialog names it
            chosen = re.findall(r"\*(\.[\w.]+)", chosen_filter) or suffixes
            path = path.with_name(path.name + chosen[0])
        elif suffixes and path.suffix.lower() not in suffixes:
            self.model.failed.emit(title, suffix_mistake(path, suffixes))
            return None
        if path.exists():
            answer = QMessageBox.question(
                self.parent,
                tr("hiddenscope — replace file?"),
                tr("{path} already exists. Replace it?").format(path=path),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return None
        self.settings.setValue(key, str(path.parent))
        return path

    def _ask_open(self, title: str, filter_text: str, key: str) -> Path | None:
        return ask_open(self.parent, self.settings, title, filter_text, key)

    # -- pictures ----------------------------------------------------------
    def screenshot_image(self, agent: int | None = None) -> QImage:
        """The grid's picture of the page shown (or of one agent) rendered at full resolution.

        UserError when Step op is on an op with nothing to draw."""
        return render_picture(self.grid.page_picture(agent))

    def save_screenshot(self, path: str | Path | None = None, agent: int | None = None) -> Path | None:
        """Save the heatmaps shown (the page, or one agent) as a PNG; asks for a path when none is given."""
        self.model.aboutToAct.emit()
        if path is None:
            who = f"_agent{agent}" if agent is not None else ""
            path = self._ask_path(
                tr("Save heatmap screenshot"),
                f"hiddenscope_t{self.model.frame.t:05d}{who}.png",
                tr("PNG image (*.png)"),
                "files/screenshot_dir",
            )
            if path is None:
                return None
        from hiddenscope.core.files import check_output_path

        def write() -> Path:
            if Path(path).suffix.lower() != ".png":
                raise UserError(suffix_mistake(Path(path), [".png"]))
            picture = self.grid.page_picture(agent)
            image = render_picture(picture)
            return save_png(image, check_output_path(path, force=True, what="screenshot"), picture.title)

        ok, saved = self.model.attempt("Save screenshot", write)
        if ok:
            self._say(tr("Saved {path}").format(path=saved))
        return saved

    def save_view(self, view: QWidget, name: str, path: str | Path | None = None) -> Path | None:
        """Save a side view (history, gates, summary, …) as it is drawn: PNG, or SVG for a path ending ``.svg``."""
        from hiddenscope.core.files import check_output_path
        from hiddenscope.gui.export.view_image import FORMATS, save_view_image

        self.model.aboutToAct.emit()
        t = self.model.frame.t
        if path is None:
            path = self._ask_path(tr("Save view"), f"hiddenscope_{name}_t{t:05d}.png", FORMATS, "files/screenshot_dir")
            if path is None:
                return None

        title = f"hiddenscope · {name} at t = {t} · {self.stepper.config.label()}"
        ok, saved = self.model.attempt(
            "Save view",
            lambda: save_view_image(view, check_output_path(path, force=True, what="image"), title),
        )
        if ok:
            self._say(tr("Saved {path}").format(path=saved))
        return saved

    def copy_screenshot(self) -> None:
        """Put the heatmaps shown on the clipboard, for pasting into slides or notes."""
        ok, image = self.model.attempt("Copy screenshot", self.screenshot_image)
        if ok:
            QApplication.clipboard().setImage(image)
            self._say(tr("Copied the heatmap grid to the clipboard"), 4000)

    def export_history(self, path: str | Path | None = None) -> Path | None:
        """Save the held history to ``.npz``; asks for a path when none is given."""
        self.model.aboutToAct.emit()
        if path is None:
            path = self._ask_path(
                tr("Export history"),
                f"hiddenscope_history_t{self.model.frame.t:05d}.npz",
                tr("NumPy archive (*.npz)"),
                "files/export_dir",
            )
            if path is None:
                return None
        from hiddenscope.core.export import export_npz
        from hiddenscope.core.files import check_output_path

        def write() -> Path:
            if Path(path).suffix.lower() != ".npz":
                raise UserError(suffix_mistake(Path(path), [".npz"]))
            return export_npz(self.stepper, check_output_path(path, force=True, what="export"))

        ok, saved = self.model.attempt("Export history", write)
        if ok:
            self._say(tr("Exported {n} timesteps to {path}").format(n=len(self.model.bounds()), path=saved))
        return saved

    # -- models and inputs ---------------------------------------------------
    # Each choice is the core.plan.Request the command line makes for the same options, planned by
    # core.plan.plan from what is loaded (Stepper.loaded) and run with Stepper.use_plan: one route.
    @property
    def model_source(self) -> str:
        """The checkpoint on screen, by name ('' for the seed model or a plug-in), from what is loaded."""
        return self.stepper.loaded.source

    @property
    def run_settings(self) -> RunSettings | None:
        """The loaded run's settings (its config.json, where it had one), from what is loaded."""
        return self.stepper.loaded.settings

    def _use(self, what: str, request: Request, keep_model: bool = True) -> Plan | None:
        """Plan ``request`` as the command line does and run it; on any problem say which and keep the session."""
        from hiddenscope.core.plan import plan

        loaded = self.stepper.loaded
        if not keep_model:  # the model on screen goes, even one given directly (File → Seed model)
            loaded = replace(loaded, model_factory=None, agent=None)

        def use() -> Plan:
            planned = plan(request, loaded)
            self.stepper.use_plan(planned)
            return planned

        ok, planned = self.model.attempt(what, use)
        return planned if ok else None

    def open_checkpoint(self, path: str | Path | None = None) -> bool:
        """Step a trained agent instead; on any problem say which and keep the model on screen.

        ``path`` may be an ``agent.th`` (or another weights file), a step folder or a
        run folder (its latest step): ``--checkpoint PATH`` on the command line.  With a
        live environment on, the environment is planned again for the new agent (its
        inputs as the run built them).
        """
        if path is None:
            path = self._ask_open(
                tr("Open checkpoint"),
                tr("Checkpoints (*.th *.pt *.pth *.safetensors);;All files (*)"),
                "files/checkpoint_dir",
            )
            if path is None:
                return False
        if not self.model_source:
            self._seed_config = self.stepper.config
        request = self.stepper.loaded.request.with_model(self.stepper.config, checkpoint=str(path))
        planned = self._use(tr("Open checkpoint"), request)
        if planned is None or planned.loaded is None or planned.loaded.agent is None:
            return False
        agent = planned.loaded.agent
        where = f"{agent.path}{f' ({agent.note})' if agent.note else ''}"
        self.parent.setWindowTitle(f"hiddenscope — {self.model_source}")
        loaded = tr("Loaded {what}: {units} GRU units, {config}")
        self._say(loaded.format(what=where, units=self.stepper.units, config=self.stepper.config.label()), 8000)
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
        # The seed model's own sizes as they were before the checkpoint; the session's batch and agents.
        c = self.stepper.config
        current = c.replace(hidden_dim=self._seed_config.hidden_dim, input_dim=self._seed_config.input_dim)
        request = self.stepper.loaded.request.with_model(current)
        if self._use(tr("Seed model"), request, keep_model=False) is None:
            return False
        self.parent.setWindowTitle("hiddenscope")
        self._say(tr("Seed model: {config}").format(config=self.stepper.config.label()))
        return True

    def open_inputs(self, path: str | Path | None = None) -> bool:
        """Feed the agent inputs from a file (``--inputs PATH``); on any problem say which and keep the current ones."""
        if path is None:
            path = self._ask_open(tr("Open inputs"), tr("Arrays (*.npy *.npz *.pt);;All files (*)"), "files/inputs_dir")
            if path is None:
                return False
        if not self._switch_inputs(tr("Open inputs"), inputs=str(path)):
            return False
        bad = getattr(self.stepper.source, "nonfinite_count", 0)
        note = tr("; {n} NaN/Inf values, drawn black").format(n=f"{bad:,}") if bad else ""
        self._say(tr("Inputs from {source}").format(source=path) + note, 8000)
        return True

    def _switch_inputs(self, what: str, **choice: Any) -> bool:
        """Plan the inputs ``choice`` (``Request.with_inputs``) for the model on screen; on an error keep the old."""
        request = self.stepper.loaded.request.with_inputs(self.stepper.config, **choice)
        if self._use(what, request) is None:
            return False
        self._say(tr("Inputs: {source}").format(source=self.stepper.source.describe()), 8000)
        return True

    def choose_environment(self) -> bool:
        """Ask which environment (and its options, and how to act), then feed the agents from it."""
        from hiddenscope.gui.panels.environment_dialog import EnvironmentDialog

        c = self.stepper.config
        dialog = EnvironmentDialog(
            c.n_agents,
            self.settings,
            self.parent,
            agents_fixed=c.family == "epymarl-ns",
            running=c.env,
            running_options=dict(c.env_options),
        )
        if dialog.exec() != EnvironmentDialog.DialogCode.Accepted:
            return False
        return self.use_environment(*dialog.choices())

    def use_environment(
        self, name: str = "simple_spread", options: dict[str, str] | None = None, actions: str = ""
    ) -> bool:
        """Feed the agents from live environments ``name``; a trained agent gets its inputs as its run built them.

        ``--env NAME --env-arg KEY=VALUE … --actions ACTIONS`` on the command line; with no
        options typed the environment gets the window's agents (``--env-arg n_agents=N``).
        """
        from hiddenscope.core.env_inputs import AGENT_OPTION

        typed = dict(options or {})
        agent_key = AGENT_OPTION.get(name.partition(":")[0])
        if not typed and name != "vmas" and agent_key is not None:
            typed[agent_key] = str(self.stepper.config.n_agents)
        return self._switch_inputs(
            tr("Inputs from {source}").format(source=name),
            env=name,
            env_args=[f"{key}={value}" for key, value in typed.items()],
            # "run": what the run's action_selector says (--actions left out); "": as the run on screen acts now
            actions=None if actions == "run" else actions or self.stepper.loaded.request.actions,
        )

    def use_pattern_inputs(self) -> bool:
        return self._switch_inputs(tr("Pattern inputs"))

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

        if self.stepper.capabilities.is_recording:  # as File → Open checkpoint / Open inputs, off while replaying
            self.model.failed.emit(
                "Open dropped file",
                tr("A recorded session is on screen: close it first (File → Close session), then drop {name}").format(
                    name=path.name
                ),
            )
            return False
        if path.is_dir():
            return self.open_checkpoint(path)
        ok, kind = self.model.attempt("Open dropped file", file_kind, path)
        if not ok:
            return False
        return self.open_inputs(path) if kind == "inputs" else self.open_checkpoint(path)
