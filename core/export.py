"""Saving a session's history to ``.npz`` for NumPy, pandas or a notebook."""

from __future__ import annotations

import io
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, cast

import numpy as np

from .config import format_bytes
from .errors import ConfigError
from .files import atomic_write
from .stepper import BaseStepper, Stepper


def history_arrays(stepper: BaseStepper) -> dict[str, np.ndarray]:
    """The held history as arrays, oldest step first.

    ``hidden`` is ``(T, batch, n_agents, units)``; ``inputs[k]`` is the input
    that produced ``hidden[k]`` (zeros where ``has_input`` is false, at t = 0);
    ``outputs`` is the model's output, which for the seed model is the hidden
    state itself, viewed as ``(batch, n_agents, units)``.
    """
    hist = stepper.history
    ts = np.arange(hist.first, hist.last + 1)
    frames = [hist.frame(int(t)) for t in ts]
    hidden = np.stack([f.hidden for f in frames])
    inputs = np.stack([f.inputs if f.inputs is not None else np.zeros_like(hist.inputs[0]) for f in frames])
    if hist.outputs is not None:
        outputs = np.stack([f.output if f.output is not None else np.zeros_like(hist.outputs[0]) for f in frames])
    else:
        outputs = hidden.copy()
    arrays = {
        "t": ts,
        "hidden": hidden,
        "inputs": inputs,
        "outputs": outputs,
        "has_input": np.array([f.inputs is not None for f in frames]),
        "step_ms": np.array([f.step_ms for f in frames]),
    }
    if stepper.episodic:
        # Index k is step k; t = 0 (the initial state) did nothing in the environments.
        batch, n_agents = stepper.config.batch_size, stepper.config.n_agents
        empty = {
            "episode_start": np.zeros(batch, bool),
            "actions": np.full((batch, n_agents), -1, np.int64),
            "rewards": np.zeros(batch, np.float32),
            "returns": np.zeros(batch, np.float32),
            "done": np.zeros(batch, bool),
        }
        for key, attr in (
            ("episode_start", "start"),
            ("actions", "actions"),
            ("rewards", "rewards"),
            ("returns", "returns"),
            ("done", "done"),
        ):
            arrays[key] = np.stack([getattr(f.episode, attr) if f.episode is not None else empty[key] for f in frames])
        masks = hist.avail_actions
        if masks is not None:  # the actions each agent was allowed when it chose; t = 0 chose nothing: all allowed
            every = np.ones(masks.shape[1:], bool)
            arrays["avail_actions"] = np.stack(
                [f.episode.avail if f.episode is not None and f.episode.avail is not None else every for f in frames]
            )
    return arrays


def config_record(stepper: Stepper) -> dict:
    """The configuration that really ran, for a file or ``shapes --json``."""
    record = {**asdict(stepper.config), "units": stepper.units, "device_used": str(stepper.device)}
    # The history keeps host copies as float32 whatever the model computed in.
    record["stored_dtype"] = "float32"
    if stepper.episodic:
        record["environment"] = stepper.source.env.describe()
        # What ran: an environment that cannot hold a terminal observation (VMAS) steps on without one.
        record["terminal_step"] = bool(getattr(stepper.source, "terminal_step", record["terminal_step"]))
    if stepper.edits:  # interventions on h_T, in the order applied (see core.edits)
        record["edits"] = [edit.to_json() for edit in stepper.edits]
    return record


def check_npz_budget(stepper: Stepper, timesteps: int, out: str | Path) -> None:
    """Refuse an ``.npz`` export of more timesteps than the history holds: it would lose the early ones.

    Call it once the first step ran (a model with separate outputs fixes the history's
    size then).  The message suggests a session (``.h5``), which keeps every step.
    """
    hist = stepper.history
    if timesteps <= hist.capacity:
        return
    mib = -(-timesteps * hist.bytes_per_step // 2**20)
    session = Path(out).with_suffix(".h5").name
    raise ConfigError(
        f"{timesteps} timesteps do not fit the history budget ({format_bytes(hist.budget_bytes)} holds"
        f" {hist.capacity}), and an .npz keeps only what the history holds: write a session instead"
        f" (--out {session}), which records every step to disk, or raise --history-mb to {mib}"
    )


def export_npz(stepper: Stepper, out: str | Path) -> Path:
    """Write the history and the configuration to ``out`` (atomically)."""
    arrays = history_arrays(stepper)
    arrays["config"] = np.array(json.dumps(config_record(stepper)))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **cast(dict[str, Any], arrays))
    return atomic_write(out, lambda f: f.write(buffer.getvalue()))
