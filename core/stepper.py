"""The session a person drives: a model, its inputs, a timestep counter and a history.

:class:`Stepper` is plain Python.  The GUI holds one, calls its methods when a
button is clicked, and redraws when :attr:`Stepper.changed` fires.  Every
number it shows comes from here.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .agents.base import EpisodeBuffer, MirrorController
from .config import DTYPES, Config, check_fits, resolve_device
from .edits import ROLE_EDIT, Edit, apply_edits, check_edits
from .errors import ConfigError, UserError, first_line
from .events import Event
from .history import DEFAULT_BUDGET, DeviceSteps, Frame, HeldSteps, History, device_budget
from .inputs import PatternInputs
from .model import CondAgent
from .plan import Loaded, Plan, Request
from .step_runtime import StepClock, cell_block_rows, cell_blocks, layout_of, torch_threads
from .trace import ROLE_HIDDEN, ROLE_INPUT, ROLE_RESET, Recorder, TraceRecord, trace_init

if TYPE_CHECKING:
    from .session import SessionReader

ModelFactory = Callable[[Config], torch.nn.Module]
InputFactory = Callable[[Config], Any]


DEVICE_MAX_STEPS = 1 << 18  # a history on the device holds at most this many steps


def seed_model(config: Config) -> torch.nn.Module:
    """The seed note's agent for ``config``."""
    return CondAgent(config.input_dim, config.n_agents, config.hidden_dim)


def pattern_inputs(config: Config) -> PatternInputs:
    return PatternInputs(config.batch_size, config.n_agents, config.input_dim, seed=config.seed)


@dataclass(frozen=True)
class Capabilities:
    """What the run on screen can do; views and actions ask this instead of probing what it is."""

    steps_model: bool  # Step computes new steps with a model (a recording only moves through its own)
    retraces: bool  # a held step can be re-run with tracing on (not in live environments, not in a recording)
    has_gates: bool  # the model is there to work out its gates
    edits_memory: bool  # memory edits and branches need a model to step
    is_recording: bool  # a session file: every step is held, on disk
    follows: bool = False  # a session file another process still writes: refresh() picks up its new steps


class BaseStepper:
    """What every run on screen is: a timestep shown, the steps held (a frame source) and reads of them.

    :class:`Stepper` computes its steps with a model; a recorded session's
    :class:`~hiddenscope.core.replay.ReplayStepper` reads them from the file.  Views read
    either through the methods here and decide what to offer from :attr:`capabilities`.
    :attr:`changed` fires with one word: "init", "step", "seek" or "rebuild".
    """

    config: Config
    device: torch.device
    dtype: torch.dtype
    units: int
    output_shape: tuple[int, ...] | None
    history: HeldSteps
    model: torch.nn.Module | None
    initial_state: np.ndarray | None
    init_trace: list[TraceRecord] | None
    reader: SessionReader | None = None  # the session file a recording reads (None: a live run)
    state_name = "h"  # which state the views show: h, or a recording's named state (an LSTM's c)
    source: Any = None  # where a live run's inputs come from (None: a recording's are in its file)
    following = False  # a recording followed as another process writes it (see refresh)

    def __init__(self) -> None:
        self.changed = Event()
        self.edits: list[Edit] = []
        self.tracing = True
        self.t = 0  # the timestep shown
        self.latest = 0  # the newest timestep held

    @property
    def capabilities(self) -> Capabilities:
        raise NotImplementedError

    @property
    def episodic(self) -> bool:
        """Whether the steps come from live environments that run episodes (see :mod:`.episodes`)."""
        return False

    def step(self, trace: bool | None = None) -> Frame:
        raise NotImplementedError

    def advance(self, trace: bool | None = None) -> None:
        """:meth:`step` without reading the new frame back (Play's loops: the views read what they draw)."""
        self.step(trace)

    def init_hidden(self, emit: bool = True) -> Frame:
        """Back to the start (a live run computes ``h_0`` again; a recording shows its first step)."""
        raise NotImplementedError

    def reset(self) -> Frame:
        return self.init_hidden()

    def rebuild(self, config: Config) -> None:
        """Run on ``config`` from now on; :class:`UserError` where the run has no model to build."""
        raise self.refusal("a new configuration")

    def set_edits(self, edits: Sequence[Edit]) -> None:
        """Edit the memory from now on; :class:`UserError` where the run has no model to step."""
        raise self.refusal("editing the memory")

    @property
    def state_names(self) -> list[str]:
        """The states the views can show: ``h``, and a recording's named ones (see ``ReplayStepper``)."""
        return ["h"]

    def show_state(self, name: str) -> None:
        """Show the named state in place of ``h``; a live run has only ``h``."""
        if name != "h":
            raise UserError(f"this run shows its hidden state h; {name!r} is a state only a recording can hold")

    def refusal(self, what: str) -> UserError:
        """The error for ``what`` this run cannot do (it has no model)."""
        return UserError(f"this run has no model: {what} needs a live run")

    def end_message(self) -> str:
        """Why Step cannot go on from the timestep shown ('' when it can: a live run never ends)."""
        return ""

    def refresh(self) -> int:
        """Hold the steps written since to a followed file; returns how many (0: none, or not a followed file)."""
        return 0

    def close(self) -> None:
        """Let go of what the run holds open (a recording's file)."""

    def back(self) -> Frame | None:
        """Go one timestep back through history, without recomputing. ``None`` if not held."""
        if self.t - 1 < self.history.first:
            return None
        self.t -= 1
        self.changed.emit("seek")
        return self.history.frame(self.t)

    def seek(self, t: int) -> Frame:
        """Show timestep ``t`` from history."""
        if not self.history.holds(t):
            raise IndexError(f"timestep {t} is not in history ({self.history.first}..{self.history.last})")
        self.t = t
        self.changed.emit("seek")
        return self.history.frame(t)

    # -- reading ----------------------------------------------------------
    # Everything below may be called from another thread while Play steps in its
    # worker: it returns copies taken from the history under its lock, never ring slots (unless asked).
    @property
    def frame(self) -> Frame:
        """The timestep shown, as a read-only copy."""
        return self.snapshot()

    def snapshot(self, t: int | None = None, copy: bool = True) -> Frame:
        """Timestep ``t`` (default: the one shown) as read-only copies; IndexError if ``t`` is not held.

        ``copy=False``: read-only views of the history instead (see :meth:`History.snapshot`).
        """
        if t is not None:
            return self.history.snapshot(t, copy)
        try:
            return self.history.snapshot(self.t, copy)
        except IndexError:
            # Play's worker stepped past it (and the ring dropped it) since t was read:
            # the newest step is the one shown now.
            return self.history.snapshot(None, copy)

    @property
    def trace(self) -> list[TraceRecord]:
        """The trace that produced the state now shown: init at t = 0, else the step into t."""
        return self.snapshot().trace or []

    def difference(self, t: int | None = None) -> np.ndarray | None:
        """``h_t − h_{t−1}`` for timestep ``t`` (default: the one shown); ``None`` at the oldest held."""
        pair = self.history.pair(self.t if t is None else t)
        return None if pair is None else pair[1] - pair[0]

    def stage_state(self, op_index: int, t: int | None = None) -> tuple[np.ndarray | None, str]:
        """The hidden state as it stands after op ``op_index`` of the trace into timestep ``t``.

        ``t`` defaults to the timestep shown.  Returns ``(values, note)``: the memory
        ``(batch, n_agents, units)`` as it stands once that op has run, and, when the op's
        own result is something else (the inputs, gates, Q-values), a note for the caption
        such as ``"on the inputs; the memory holds h_4"``.  Before the op that wrote new
        memory for the hidden state, its views still hold ``h_{t-1}``; from that op on they
        hold ``h_t``.  At initialisation
        everything is ``h_0``.  ``values`` is ``None`` only when the memory then is not
        held (``h_{t-1}`` dropped from a small history); the note says why.
        """
        frame = self.snapshot(t)
        trace = frame.trace or []
        if not 0 <= op_index < len(trace):
            raise IndexError(f"op {op_index} is not in this step's trace of {len(trace)} ops")
        record = trace[op_index]
        c = self.config
        hidden_numel = c.batch_size * c.n_agents * self.units
        note = ""
        if record.role == "input":
            note = "on the inputs"
        elif record.numel != hidden_numel or record.shape[-1] != self.units:
            note = "not the memory"
        values, said = self._memory_after(frame, trace, op_index, hidden_numel)
        if values is None:
            return None, f"{note}; {said}" if note else said
        return values, f"{note}; the memory holds {said}" if note else ""

    def _memory_after(
        self, frame: Frame, trace: list[TraceRecord], op_index: int, hidden_numel: int
    ) -> tuple[np.ndarray | None, str]:
        """The memory once op ``op_index`` has run and what it is (``"h_4"``), or ``(None, why)`` when not held."""
        record = trace[op_index]
        if record.phase == "init":
            return frame.hidden, f"h_{frame.t}"
        done = trace[: op_index + 1]
        resets = any(r.role == ROLE_RESET for r in trace)
        if resets and self.initial_state is None:
            why = "this step uses init_hidden's state, which this recording does not hold (it starts after t = 0)"
            return None, why
        initial = self.initial_state
        if record.role == ROLE_RESET and not record.op.startswith("where"):
            return initial, "init_hidden's state"  # on its way to the rows that start
        wrote_new = any(
            r.kind == "new" and r.role not in ("input", ROLE_RESET) and r.numel == hidden_numel for r in done
        )
        if wrote_new:
            return frame.hidden, f"h_{frame.t}"
        pair = self.history.pair(frame.t)
        if pair is None:
            hist = self.history
            return None, (
                f"before op {op_index + 1} the memory still holds h_{frame.t - 1}, which is no longer held"
                f" (the history holds t = {hist.first}..{hist.last}): nothing to draw before the op that writes"
                f" h_{frame.t}"
            )
        before = pair[0]
        if frame.episode is not None and any(r.role == ROLE_RESET for r in done):
            # After the reset: rows whose episode starts hold init_hidden's state, the others h_{t-1}.
            assert initial is not None
            before = np.where(frame.episode.start[:, None, None], initial, before)
            return before, f"h_{frame.t - 1} (init_hidden's state in the rows that start)"
        return before, f"h_{frame.t - 1}"

    def held_window(self, span: int, with_inputs: bool = False, t: int | None = None) -> np.ndarray:
        """Up to ``span`` held timesteps ending at ``t`` (default: the one shown), or later near the oldest.

        ``with_inputs`` leaves out the oldest held step, which has no recorded input
        when it is t = 0 (views that re-run steps need ``h_{t-1}`` and the inputs).
        Only a list of timesteps: to read their values use :meth:`unit_history` or
        :meth:`History.read_window`, which check the writer did not overtake the read.
        """
        return self.history.window(self.t if t is None else t, span, 1 if with_inputs else 0)

    def unit_history(
        self, agent: int, row: int, span: int = 256, t: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """One agent's hidden state over time, for one batch row: ``(ts, values (T, units))``, a copy."""
        hist = self.history
        return hist.read_window(
            self.t if t is None else t, span, lambda ts: hist.hidden[ts % hist.capacity, row, agent, :]
        )

    def episode_tracks(
        self, row: int, span: int = 256, t: int | None = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """What batch row ``row`` did in its environment over held steps, a copy: ``(ts, tracks)``.

        ``tracks`` holds ``start`` (T,) bool (an episode starts at that step), ``returns``
        (T,) (the episode's return so far), ``rewards`` (T,) and ``actions`` (T, n_agents)
        (-1 at t = 0).  Empty without live environments.
        """
        hist = self.history
        if hist.episode_shape is None:
            return np.arange(0), {}

        def read(ts: np.ndarray) -> dict[str, np.ndarray]:
            slots = ts % hist.capacity
            held = hist._has_inputs[slots]
            return {
                "start": hist.episode_start[slots, row] & held,
                "returns": np.where(held, hist.returns[slots, row], np.nan),
                "rewards": np.where(held, hist.rewards[slots, row], np.nan),
                "actions": np.where(held[:, None], hist.actions[slots, row], -1),
            }

        return hist.read_window(self.t if t is None else t, span, read)


class Stepper(BaseStepper):
    """Steps a recurrent multi-agent model one timestep at a time and remembers what happened.

    Parameters
    ----------
    config
        Sizes, seed, device and dtype.  Validated here; a bad one raises
        :class:`~hiddenscope.core.errors.UserError` and nothing is built.
    model_factory
        Builds a module following the protocol ``init_hidden(batch_size)`` and
        ``forward(inputs, hidden_state) -> (output, hidden_state)``.
    input_factory
        Builds the input source (see :mod:`hiddenscope.core.inputs`).
    history_budget
        Bytes the history may use; it holds as many steps as fit.  ``None``: 256 MiB of host
        memory, or with the history on a GPU a quarter of the GPU's free memory (at most
        ``DEVICE_MAX_STEPS`` steps, which bounds what each step keeps on the host beside it).
    history_on_device
        Keep the history's states, inputs and outputs on the model's device (``None``: on a GPU,
        yes).  A step then writes them there with no copy to the host; what a view draws or an
        analysis reads crosses to the host when it is read.
    edits
        Interventions (:mod:`hiddenscope.core.edits`): each replaces h_T, right after
        step T is computed and before it is written to history, so step T+1 starts
        from the edited state.  They stay through :meth:`reset` and :meth:`rebuild`.
    loaded
        What :func:`hiddenscope.core.plan.plan` planned the factories from (see
        :attr:`loaded`); ``None`` for factories given directly.
    """

    _loaded: Loaded | None = None
    history: History
    model: torch.nn.Module
    initial_state: np.ndarray

    def __init__(
        self,
        config: Config | None = None,
        model_factory: ModelFactory = seed_model,
        input_factory: InputFactory = pattern_inputs,
        history_budget: int | None = None,
        tracing: bool = True,
        edits: Sequence[Edit] = (),
        loaded: Loaded | None = None,
        history_on_device: bool | None = None,
    ) -> None:
        super().__init__()
        self._loaded = loaded
        self.history_on_device = history_on_device
        self.edits: list[Edit] = list(edits)
        self.model_factory = model_factory
        self.input_factory = input_factory
        self.history_budget = history_budget
        self.tracing = tracing
        self._build(config or Config())
        self.init_hidden()

    # -- building ---------------------------------------------------------
    def _build(self, config: Config) -> None:
        """Build everything for ``config`` first, then swap it in, so a failure changes nothing."""
        config.validate()
        device = resolve_device(config.device)
        check_fits(config, device)
        dtype = DTYPES[config.dtype]
        source = self.input_factory(config)
        if tuple(source.shape) != (config.batch_size, config.n_agents, config.input_dim):
            raise ConfigError(
                f"the input source gives {tuple(source.shape)} per step but the model expects"
                f" (batch {config.batch_size}, {config.n_agents} agents, {config.input_dim} inputs)"
            )
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            model = self.model_factory(config)
        model = model.to(device=device, dtype=dtype).eval()
        try:
            with torch.no_grad():
                probe = model.init_hidden(config.batch_size)  # type: ignore[operator]
        except (RuntimeError, ValueError, TypeError, AttributeError) as exc:
            raise ConfigError(f"the model's init_hidden({config.batch_size}) failed: {first_line(exc)}") from None
        units = int(probe.shape[-1])
        if probe.numel() != config.batch_size * config.n_agents * units:
            raise ConfigError(
                f"the model's init_hidden({config.batch_size}) gave shape {tuple(probe.shape)},"
                f" which is not batch {config.batch_size} × {config.n_agents} agents × units"
            )
        check_edits(self.edits, config.batch_size, config.n_agents, units)
        self.config, self.device, self.dtype = config, device, dtype
        self.model, self.source, self.units = model, source, units
        # Steps run on this many torch threads (one for a small model, see step_threads) on whichever
        # thread computes them, so Play's worker gives the same bits as Step (see torch_threads).
        self.threads = step_threads(model, config.batch_size * config.n_agents, torch.get_num_threads(), device)
        # A large step runs its GRU cells in row blocks that stay in cache (a one-thread call's bits; see CellBlocks).
        self.block_rows = cell_block_rows(device, config.batch_size * config.n_agents)
        self.output_shape: tuple[int, ...] | None = None
        # A runner's episode buffer for a mirrored controller in live environments (its inputs are built from it).
        self.episode_buffer: EpisodeBuffer | None = None
        if self.episodic and isinstance(model, MirrorController):
            env = source.env
            self.episode_buffer = EpisodeBuffer(
                config.batch_size,
                max(1, int(getattr(env, "episode_limit", 0) or 0)) + 1,
                config.n_agents,
                int(env.obs_dim),
                model.n_actions,
                device,
                dtype,
            )
        self.history = self._new_history(None)
        self.hidden_state: torch.Tensor | None = None
        self.init_trace: list[TraceRecord] | None = None
        self.t = 0
        self.latest = 0

    def _new_history(self, output_shape: tuple[int, ...] | None) -> History:
        c = self.config
        on_device = self.history_on_device
        if on_device is None:  # on a GPU, unless HIDDENSCOPE_HISTORY_ON_DEVICE says (1: on any device, 0: never)
            forced = os.environ.get("HIDDENSCOPE_HISTORY_ON_DEVICE", "")
            on_device = forced == "1" if forced in ("0", "1") else self.device.type == "cuda"
        budget, most = self.history_budget, None
        if on_device:
            most = DEVICE_MAX_STEPS
            if budget is None:
                budget = device_budget(self.device)
        return History(
            (c.batch_size, c.n_agents, self.units),
            (c.batch_size, c.n_agents, c.input_dim),
            output_shape,
            budget_bytes=DEFAULT_BUDGET if budget is None else budget,
            max_steps=most,
            episode_shape=(c.batch_size, c.n_agents) if self.episodic else None,
            pin_memory=self.device.type == "cuda",  # so a step's copies to it run asynchronously
            n_actions=int(getattr(self.source, "n_actions", 0)) if self.episodic else 0,
            device=self.device if on_device else None,
        )

    @property
    def episodic(self) -> bool:
        """Whether the inputs come from live environments that run episodes (see :mod:`.episodes`)."""
        return bool(getattr(self.source, "episodic", False))

    @property
    def capabilities(self) -> Capabilities:
        # Steps in live environments cannot be re-run: their action masks and raw observations are not held.
        return Capabilities(
            steps_model=True, retraces=not self.episodic, has_gates=True, edits_memory=True, is_recording=False
        )

    def rebuild(self, config: Config) -> None:
        """Switch to a new configuration; on any error the current session is kept as it was."""
        old = self.__dict__.copy()
        try:
            self._build(config)
            self.init_hidden(emit=False)
        except Exception:
            self.__dict__.update(old)
            raise
        self.changed.emit("rebuild")

    @property
    def loaded(self) -> Loaded:
        """What runs, as planned (:class:`~hiddenscope.core.plan.Loaded`): the choices, the checkpoint as read.

        Factories given directly (a script's own model or inputs) count as the
        request that asks for nothing, with those factories kept while it stays.
        """
        if self._loaded is not None:
            return self._loaded
        return Loaded(Request(), self.model_factory, input_factory=self.input_factory)

    def use_plan(self, planned: Plan) -> None:
        """Run what ``planned`` says (model, inputs, config) and remember it as :attr:`loaded`.

        The edits stay as they are.  On any error the current session is kept as it was.
        """
        old = self._loaded
        self._loaded = planned.loaded
        try:
            self._set_factories(planned.model_factory, planned.input_factory, planned.config)
        except Exception:
            self._loaded = old
            raise

    def set_model_factory(self, factory: ModelFactory, config: Config | None = None) -> None:
        """Use another model (a checkpoint, a plug-in); on any error keep the current one."""
        self.set_factories(factory, self.input_factory, config or self.config)

    def set_factories(self, model_factory: ModelFactory, input_factory: InputFactory, config: Config) -> None:
        """Use another model and input source together (a checkpoint and the environment replanned for it)."""
        old = self._loaded
        self._loaded = None  # factories given directly: not planned
        try:
            self._set_factories(model_factory, input_factory, config)
        except Exception:
            self._loaded = old
            raise

    def _set_factories(self, model_factory: ModelFactory, input_factory: InputFactory, config: Config) -> None:
        old = self.model_factory, self.input_factory
        self.model_factory, self.input_factory = model_factory, input_factory
        try:
            self.rebuild(config)
        except Exception:
            self.model_factory, self.input_factory = old
            raise

    def set_edits(self, edits: Sequence[Edit]) -> None:
        """Use these interventions from now on (a ConfigError naming one that does not fit changes nothing).

        Steps already computed keep their states; :meth:`reset` runs again from t = 0 with them.
        """
        check_edits(edits, self.config.batch_size, self.config.n_agents, self.units)
        self.edits = list(edits)

    def _edited(
        self, t: int, hidden: torch.Tensor, records: list[TraceRecord] | None, phase: str
    ) -> tuple[torch.Tensor, list[TraceRecord] | None]:
        """``h_t`` with the edits for timestep ``t`` applied, and the trace with their ops (role "edit") added."""
        if not any(edit.t == t for edit in self.edits):
            return hidden, records
        c = self.config
        if records is None:
            with torch.no_grad():
                return apply_edits(self.edits, t, hidden, c.batch_size, c.n_agents, c.seed), None
        recorder = Recorder(t, phase, {id(hidden): ROLE_HIDDEN})
        with torch.no_grad(), recorder, recorder.forcing(ROLE_EDIT):
            edited = apply_edits(self.edits, t, hidden, c.batch_size, c.n_agents, c.seed)
        first = len(records)
        return edited, records + [r._replace(index=first + r.index) for r in recorder.records]

    def set_input_factory(self, factory: InputFactory, config: Config | None = None) -> None:
        """Use another input source (and the config it fixes); on any error keep the current one."""
        self.set_factories(self.model_factory, factory, config or self.config)

    # -- stepping ---------------------------------------------------------
    def init_hidden(self, emit: bool = True) -> Frame:
        """Start over at t = 0 with the model's own initial hidden state."""
        c = self.config
        if self.tracing:
            hidden, records = trace_init(self.model, c.batch_size)
        else:
            with torch.no_grad():
                hidden, records = self.model.init_hidden(c.batch_size), None  # type: ignore[operator]
        # The state a row goes back to when its episode starts (reset_rows), kept for stage_state.
        self.initial_state = (
            hidden.detach().to("cpu", torch.float32).reshape(c.batch_size, c.n_agents, -1).numpy().copy()
        )
        hidden, records = self._edited(0, hidden, records, "init")
        self.history.clear()
        slot = self.history.slot(0)
        clock = StepClock(self.device)
        self._copy_to_host(hidden, None, slot)
        clock.finish()
        self.history.finish(0, records, 0.0, has_inputs=False, layout=layout_of(hidden))
        self.hidden_state, self.init_trace = hidden, records
        self.t = self.latest = 0
        if emit:
            self.changed.emit("init")
        return self.history.frame(0)

    reset = init_hidden

    def step(self, trace: bool | None = None) -> Frame:
        """Go one timestep forward: replay from history if it is there, else compute it.

        ``trace`` overrides :attr:`tracing` for a computed step (fast-forward computes the
        steps it will not draw untraced; :mod:`.retrace` can trace one later from history).
        """
        self.advance(trace)
        return self.history.frame(self.t)

    def advance(self, trace: bool | None = None) -> None:
        if self.t < self.latest:
            self.t += 1
            self.changed.emit("seek")
            return
        with torch_threads(self.threads):
            self._compute(self.tracing if trace is None else trace)

    def _compute(self, tracing: bool) -> None:
        c = self.config
        t = self.latest
        source = self.source
        episodic = self.episodic
        clock = StepClock(self.device)
        device, dtype = self.device, self.dtype
        on_device = self.history.where is not None
        on_device_inputs = getattr(source, "tensor", None) if on_device else None
        if on_device_inputs is not None:  # built in blocks already on the device: no copy a step
            host_inputs = None
            inputs = on_device_inputs(t, device, dtype)
        else:
            host_inputs = source.inputs(t)
            inputs = torch.from_numpy(host_inputs).to(device=device, dtype=dtype, non_blocking=True)
        roles = {id(inputs): ROLE_INPUT, id(self.hidden_state): ROLE_HIDDEN}
        last_actions = avail = starts = None
        host_avail = None
        buffer = self.episode_buffer if episodic else None
        column = 0
        if episodic:
            host_avail = source.available_actions()
            if buffer is not None:
                # The runner's batch.update, outside the trace: this step's column of the episode buffer.
                column = buffer.next_column(t == 0 or bool(source.start.all()))
                buffer["obs"][:, column].copy_(inputs)
                allowed = buffer["avail_actions"][:, column]
                if host_avail is not None:
                    allowed.copy_(torch.from_numpy(host_avail))
                else:
                    allowed.fill_(1)
                if c.obs_last_action and column > 0:
                    buffer["actions_onehot"][:, column - 1].copy_(torch.from_numpy(source.last_actions_onehot()))
                roles.update({id(v): ROLE_INPUT for v in buffer.data.values()})
            else:
                if c.obs_last_action:
                    last_actions = torch.from_numpy(source.last_actions_onehot()).to(device=device, dtype=dtype)
                    roles[id(last_actions)] = ROLE_INPUT
                if host_avail is not None:
                    avail = torch.from_numpy(host_avail).to(device=device)
            if t > 0 and source.start.any():
                starts = torch.from_numpy(source.start.copy()).to(device=device)
        build = getattr(self.model, "build_inputs", None)
        if avail is None and isinstance(self.model, MirrorController) and buffer is None:
            # No masks (inputs from a file, or an environment without them): every action allowed, as a runner's
            # buffer holds for such an environment, so a policy's mask ops run as the real controller runs them.
            avail = torch.ones(c.batch_size, c.n_agents, self.model.n_actions, device=device, dtype=torch.int32)
        recorder = Recorder(t + 1, "forward", roles) if tracing else None
        try:
            # The GRU cells in row blocks (outside the recorder, which sees each cell whole); only around the
            # model, so that an environment's own ops (inputs, actions) do not pass through the mode.
            blocks = cell_blocks(self.block_rows, self.threads)
            with torch.no_grad(), blocks, recorder if recorder is not None else contextlib.nullcontext():
                agent_inputs = inputs
                if buffer is not None:
                    output, hidden, agent_inputs = self._mirrored_step(buffer, column, starts, recorder)
                elif build is not None:  # a mirrored controller builds its agents' inputs as its family does
                    with recorder.forcing(ROLE_INPUT) if recorder is not None else contextlib.nullcontext():
                        agent_inputs = build(inputs, last_actions, c.obs_agent_id and episodic)
                if buffer is None:
                    hidden_in = self._reset(self.hidden_state, starts, recorder)
                    if avail is not None and build is not None:
                        output, hidden = self.model(agent_inputs, hidden_in, avail)
                    else:
                        output, hidden = self.model(agent_inputs, hidden_in)
            records = recorder.finish(output, hidden) if recorder is not None else None
        except (RuntimeError, ValueError, TypeError, IndexError) as exc:
            # A model that does not fit its inputs fails inside PyTorch; say so, keep the session.
            raise ConfigError(f"the model failed at step {t + 1}: {first_line(exc)}") from None
        if hidden.numel() != c.batch_size * c.n_agents * self.units:
            raise ConfigError(
                f"the model returned a hidden state of shape {tuple(hidden.shape)}; expected {c.rows} × {self.units}"
            )
        separate_output = not _same_data(output, hidden)
        if separate_output and self.output_shape is None:
            self.output_shape = tuple(output.shape)
            self.history = _grow_outputs(self.history, self._new_history(self.output_shape))
        hidden, records = self._edited(t + 1, hidden, records, "forward")  # h_{t+1} as edited, if it is
        slot = self.history.slot(t + 1)
        # The inputs the agents really got, as (batch, n_agents, input): copied with the state when built.
        built = agent_inputs if agent_inputs is not inputs else None
        self._copy_to_host(
            hidden, output if separate_output else None, slot, inputs if on_device and built is None else built
        )
        if built is None and not on_device:
            self.history.inputs[slot] = host_inputs
        # With the history on the device nothing waits for it unless the environments need the outputs.
        step_ms = clock.finish() if episodic or not on_device else clock.pending()
        if episodic:
            outputs = self.history.outputs[slot] if separate_output and self.history.outputs is not None else None
            self.history.write_episode(slot, source.act(outputs, host_avail))
        self.history.finish(t + 1, records, step_ms, has_inputs=True, layout=layout_of(hidden))
        self.hidden_state = hidden
        self.t = self.latest = t + 1
        self.changed.emit("step")

    def _reset(
        self, hidden: torch.Tensor | None, starts: torch.Tensor | None, recorder: Recorder | None
    ) -> torch.Tensor:
        """The state a step reads: rows whose episode starts go back to the initial state.

        When every row starts, the controller's own ``init_hidden(batch)`` (an ``expand``: one row of
        numbers seen through stride 0), as a runner calls it at its episodes' start; when only some
        do (hiddenscope's rows end their episodes apart), :func:`reset_rows` puts just those back.
        """
        assert hidden is not None  # init_hidden ran when the stepper was built
        if starts is None:
            return hidden
        c = self.config
        with recorder.forcing(ROLE_RESET) if recorder is not None else contextlib.nullcontext():
            if bool(starts.all()) and isinstance(self.model, MirrorController):
                hidden = self.model.init_hidden(c.batch_size)
            else:
                hidden = reset_rows(self.model, hidden, starts, c.batch_size, c.n_agents)
        if recorder is not None:  # from here on it is the hidden state the model reads
            recorder.roles[id(hidden)] = ROLE_HIDDEN
        return hidden

    def _mirrored_step(
        self, buffer: EpisodeBuffer, column: int, starts: torch.Tensor | None, recorder: Recorder | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """A mirrored controller's step in live environments, in a runner's order: the reset at an episode's
        start, then ``forward(ep_batch, t)``: inputs built from the buffer's column, masks read from it."""
        c, model = self.config, self.model
        assert isinstance(model, MirrorController)
        hidden_in = self._reset(self.hidden_state, starts, recorder)
        with recorder.forcing(ROLE_INPUT) if recorder is not None else contextlib.nullcontext():
            agent_inputs = model._build_inputs(buffer, column, c.obs_last_action, c.obs_agent_id)
        output, hidden = model(agent_inputs, hidden_in, batch=buffer, t=column)
        return output, hidden, agent_inputs

    def _copy_to_host(
        self, hidden: torch.Tensor, output: torch.Tensor | None, slot: int, inputs: torch.Tensor | None = None
    ) -> None:
        """A step's device-to-host transfers, written straight into the history's slot.

        With CUDA the slots are page-locked and the copies are queued ``non_blocking``: they
        are complete only after the step's :meth:`StepClock.finish`, its one synchronisation.
        """
        hist, queued = self.history, self.history.pinned
        if isinstance(hist.hidden, DeviceSteps):  # the ring on the device: written there, nothing crosses
            rows = hist.hidden.values[slot]
            rows.copy_(hidden.detach().reshape(rows.shape))
            if output is not None and isinstance(hist.outputs, DeviceSteps):
                held_out = hist.outputs.values[slot]
                held_out.copy_(output.detach().reshape(held_out.shape))
            if inputs is not None and isinstance(hist.inputs, DeviceSteps):
                held_in = hist.inputs.values[slot]
                held_in.copy_(inputs.reshape(held_in.shape))
            hist.hidden.written()  # readers wait for these writes, whatever stream they were queued on
            return
        target = torch.from_numpy(hist.hidden[slot])
        if output is not None:
            both = torch.cat([hidden.reshape(-1), output.reshape(-1)]).to(torch.float32)
            n = target.numel()
            target.view(-1).copy_(both[:n], non_blocking=queued)
            torch.from_numpy(hist.outputs[slot]).view(-1).copy_(both[n:], non_blocking=queued)  # type: ignore[index]
        else:
            # expand() at t = 0 is a view of 96 numbers; copy_ broadcasts it out.
            target.copy_(hidden.detach().reshape(target.shape), non_blocking=queued)
        if inputs is not None:
            held = torch.from_numpy(hist.inputs[slot])
            held.copy_(inputs.reshape(held.shape), non_blocking=queued)

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.advance()


def reset_rows(
    model: torch.nn.Module, hidden: torch.Tensor, starts: torch.Tensor, batch_size: int, n_agents: int
) -> torch.Tensor:
    """``hidden`` with the rows whose episode starts (``starts``, ``(batch,)`` bool) back at ``init_hidden``.

    A PyMARL runner calls ``mac.init_hidden(batch_size)`` when its episodes start;
    here episodes end row by row, so only the starting rows take the initial state.
    ``hidden`` may be ``(batch, n_agents, H)`` or ``(batch * n_agents, H)``.
    """
    initial = model.init_hidden(batch_size)  # type: ignore[operator]
    rows = starts.view(batch_size, 1, 1).expand(batch_size, n_agents, 1).reshape(*hidden.shape[:-1], 1)
    return torch.where(rows, initial.reshape(hidden.shape), hidden)  # hiddenscope's own: rows start apart


# Below this many multiply-adds per step (rows × the model's parameters) a step runs on one torch thread.
# Measured on the 2-core machine (1 against 2 threads): a 32 × 5 step of the seed model (5.3 M) takes
# 0.175 against 0.170 ms alone, but splitting it makes fast-forward 1.7× slower (1,280 against 2,100+
# steps/s), because the window's thread needs a core too; 64 × 8 (17 M) is already 1.4× faster on two.
ONE_THREAD_BELOW_MACS = 8_000_000


def step_threads(model: torch.nn.Module, rows: int, available: int, device: torch.device) -> int | None:
    """How many torch threads a step of ``model`` over ``rows`` rows runs on: one when it is small.

    A small step gains nothing from splitting its kernels, and in the app the split
    halves compete with the window's thread for the cores.  ``available`` is the most
    (the building thread's count: torch's default, or what a person set).  ``None`` off
    the CPU, where the count does not matter.
    """
    if device.type != "cpu":
        return None
    macs = rows * sum(p.numel() for p in model.parameters())
    return 1 if macs < ONE_THREAD_BELOW_MACS else max(1, available)


def _same_data(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Whether two tensors are the same numbers in the same memory (the seed's output and state)."""
    return (
        a.numel() == b.numel()
        and a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()
        and a.storage_offset() == b.storage_offset()
    )


def _grow_outputs(old: History, new: History) -> History:
    """Move what ``old`` held into ``new`` (which has room for outputs)."""
    if old.capacity > new.capacity:
        old.first = max(old.first, old.last - new.capacity + 1)
    for t in range(old.first, old.last + 1):
        frame = old.frame(t)
        slot = new.slot(t)
        new.hidden[slot] = frame.hidden
        if frame.inputs is not None:
            new.inputs[slot] = frame.inputs
        if frame.episode is not None and new.episode_shape is not None:
            new.write_episode(slot, frame.episode)
        new.finish(t, frame.trace, frame.step_ms, frame.inputs is not None, layout=old._layouts[t % old.capacity])
    return new
