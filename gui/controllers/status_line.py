"""The permanent part of the status bar: device, t, step time, frame rate, history."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QStatusBar

from hiddenscope.gui.controllers.play import PlayController
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.widgets.steady_label import SteadyLabel

PERIOD_S = 1 / 15  # while playing, the labels change at most this often


class StatusLine:
    """Labels added to ``bar`` that follow the model and the Play controller."""

    def __init__(self, bar: QStatusBar, model: StepperModel, play: PlayController) -> None:
        self.model, self.play = model, play
        self.device_label = SteadyLabel()
        self.t_label = SteadyLabel()
        self.step_label = SteadyLabel()
        self.rate_label = SteadyLabel()  # model steps per second, beside frames drawn per second
        self.fps_label = SteadyLabel()
        self.history_label = SteadyLabel()
        self.episodes_label = SteadyLabel()
        self._labels: list[SteadyLabel] = []
        for label, tip in (
            (self.episodes_label, tr("Episodes finished in the live environments, and their mean return (last 100)")),
            (self.device_label, tr("Device and dtype the model runs on")),
            (self.t_label, tr("The timestep shown")),
            (self.step_label, tr("Time the last computed step took (model, trace and host copy)")),
            (self.rate_label, tr("Model steps per second while playing (many per frame in fast-forward)")),
            (self.fps_label, tr("Frames drawn per second while playing")),
            (self.history_label, tr("Timesteps held in history, and its memory budget")),
        ):
            label.setToolTip(tip)
            bar.addPermanentWidget(label)
            self._labels.append(label)
        self._updated_at = 0.0
        # The labels keep the widest width they have shown (no jumping while numbers change), until what they
        # show changes kind: a new configuration, model, input or session lets them fit their text again.
        model.rebuilt.connect(self._fit_again)
        model.frameChanged.connect(self.update)
        model.playingChanged.connect(self.update)
        self.update()

    def update(self, *_args: object) -> None:
        now = time.perf_counter()
        if self.model.playing and now - self._updated_at < PERIOD_S:
            return
        self._updated_at = now
        s, frame = self.model.stepper, self.model.frame
        hist = self.model.held
        self.device_label.setText(f"  {s.device} · {s.config.dtype}  ")
        self.t_label.setText(f"  t = {frame.t}  ")
        step_ms = f"{frame.step_ms:.2f}" if frame.t else "—"
        self.step_label.setText("  " + tr("step {ms} ms").format(ms=step_ms) + "  ")
        self.fps_label.setText(f"  {self.play.fps:.0f} fps  " if self.model.playing else f"  {tr('paused')}  ")
        rate = f"  {self.play.steps_per_s:,.0f} {tr('steps/s')}  "
        self.rate_label.setText(rate if self.model.playing else "")
        self.rate_label.setVisible(self.model.playing)
        episodes = episodes_text(s.source)
        env = s.config.env
        if episodes and env:  # which environment the episodes are of, and how its agents act
            how = {"greedy": tr("greedy"), "sample": tr("sample")}.get(s.config.actions, s.config.actions)
            episodes = f"  {env} · {how} · {episodes.strip()}  "
        self.episodes_label.setText(episodes)
        self.episodes_label.setVisible(bool(self.episodes_label.text()))
        reader = s.reader
        if reader is not None:  # a recorded session: it holds every step, on disk
            text = tr("session {name}: t = {first}..{last}, from disk").format(
                name=reader.path.name, first=reader.first, last=reader.last
            )
        else:
            n = len(hist)
            held = (
                tr("{n} step held (room for {room}, {mib} MiB)")
                if n == 1
                else tr("{n} steps held (room for {room}, {mib} MiB)")
            )
            text = held.format(n=n, room=hist.capacity, mib=f"{hist.nbytes / 2**20:.0f}")
            if hist.device is not None:  # the ring lives in the GPU's memory, with its own budget
                text += " " + tr("on {device}").format(device=hist.device)
        self.history_label.setText(f"  {text}  ")

    def _fit_again(self) -> None:
        for label in self._labels:
            label.forget_width()
        self._updated_at = 0.0  # the frame that follows a rebuild is shown at once, even while playing


def episodes_text(source: object) -> str:
    """``"  12 episodes · mean return −3.41  "`` for live environments, ``""`` for other inputs."""
    mean_return = getattr(source, "mean_return", None)
    if mean_return is None:
        return ""
    done = getattr(source, "episodes", 0)
    mean = mean_return()
    text = (tr("{n} episode") if done == 1 else tr("{n} episodes")).format(n=done)
    if mean is None:
        return f"  {text} · {tr('no episode finished yet')}  "
    return f"  {text} · {tr('mean return {value}').format(value=f'{mean:+.2f}')}  "
