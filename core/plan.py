"""From what a person asked for to a session that can be built: options, checkpoint, inputs and environment.

Every value is either asked for (an option the person typed), fixed by what was
loaded (a checkpoint's sizes, an inputs file's shape, an environment's agents),
or a default.  An option that disagrees with what was loaded is an error that
names both values; nothing is silently replaced, and the resulting
:class:`~hiddenscope.core.config.Config` is what will really run.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config, units_for
from .edits import Edit, parse_edits
from .errors import ConfigError, UserError

if TYPE_CHECKING:
    from .checkpoint import LoadedAgent, RunSettings

SIZE_FLAGS = {
    "batch_size": "--batch-size",
    "n_agents": "--n-agents",
    "hidden_dim": "--hidden-dim",
    "input_dim": "--input-dim",
}
# What a request leaves to the session when not asked: from ``Request.current``, else the defaults.
SESSION_FIELDS = ("batch_size", "n_agents", "hidden_dim", "input_dim", "seed", "device", "dtype")
# Which model runs, and where its inputs come from: the two choices File → Open … / Use environment change.
MODEL_CHOICE = ("checkpoint", "load_step", "run_config", "agent", "model")
INPUT_CHOICE = ("inputs", "env", "env_args", "actions", "terminal_step")
RUN_FLAGS = ("obs_last_action", "obs_agent_id")  # how the run built an environment's inputs: with --env only
# A Config's fields about inputs.
INPUT_FIELDS = ("env", "env_options", "obs_last_action", "obs_agent_id", "actions", "actions_from", "terminal_step")


@dataclass
class Request:
    """What was asked for; ``None`` means "not asked: fill it in"."""

    batch_size: int | None = None
    n_agents: int | None = None
    hidden_dim: int | None = None
    input_dim: int | None = None
    seed: int | None = None
    device: str | None = None
    dtype: str | None = None
    checkpoint: str | None = None
    load_step: int | None = None
    run_config: str | None = None
    agent: str | None = None
    model: str | None = None
    inputs: str | None = None
    env: str | None = None
    env_args: list[str] = field(default_factory=list)
    obs_last_action: bool | None = None
    obs_agent_id: bool | None = None
    actions: str | None = None
    terminal_step: bool | None = None  # None: the runners' way (a step on each terminal observation)
    edits: list[str] = field(default_factory=list)  # --edit T:AGENTS:OP, in the order given
    # The session this request changes (the app's configuration): what is not asked is taken from it, not the defaults.
    current: Config | None = None

    @classmethod
    def from_namespace(cls, namespace: Any) -> Request:
        values: dict[str, Any] = {f.name: getattr(namespace, f.name, None) for f in fields(cls)}
        values["agent"] = getattr(namespace, "run_agent", None)
        values["env_args"] = list(values["env_args"] or [])
        values["edits"] = list(values["edits"] or [])
        values["current"] = None
        return cls(**values)

    def with_model(self, current: Config, **choice: Any) -> Request:
        """Another model (``checkpoint=``, ``model=``, or none: the seed's), the inputs as chosen, in ``current``.

        What the app's File → Open checkpoint / Open run / Seed model ask for: the
        request the command line would make with these options, sizes left to
        ``current``.  The run flags go: a new model's run says its own.
        """
        return self._changed(current, MODEL_CHOICE, choice)

    def with_inputs(self, current: Config, **choice: Any) -> Request:
        """Other inputs (``inputs=``, or ``env=`` with ``env_args=``/``actions=``; none: the pattern), same model.

        The run flags (``obs_last_action``, ``obs_agent_id``) stay for another environment unless given.
        """
        flags = {k: getattr(self, k) for k in RUN_FLAGS} if choice.get("env") else dict.fromkeys(RUN_FLAGS)
        choice = {**flags, **choice}
        return self._changed(current, INPUT_CHOICE + RUN_FLAGS, choice)

    def _changed(self, current: Config, group: tuple[str, ...], choice: dict[str, Any]) -> Request:
        unknown = set(choice) - set(group)
        if unknown:
            raise TypeError(f"not among {group}: {sorted(unknown)}")
        kept = {k: getattr(self, k) for k in MODEL_CHOICE + INPUT_CHOICE + RUN_FLAGS if k not in group}
        if group == MODEL_CHOICE:
            kept.update(dict.fromkeys(RUN_FLAGS))
        values = {**kept, **choice}
        values["env_args"] = list(values.get("env_args") or [])
        return Request(**values, current=current)  # sizes, seed, device, dtype: current's; edits: the session's own


@dataclass(frozen=True)
class Loaded:
    """What runs and what it was planned from: the one record of "what is loaded".

    A :class:`Stepper` keeps the one it was built or last planned with
    (:attr:`Stepper.loaded <hiddenscope.core.stepper.Stepper.loaded>`); the app's
    File menu plans its next request from it, so a checkpoint given on the command
    line and one opened from the menu are the same thing to both.
    """

    request: Request
    model_factory: Any = None  # what the request's model choice built; reused while that choice stays
    agent: LoadedAgent | None = None  # the checkpoint as read (its file, layout, weights, run settings)
    input_factory: Any = None  # an input source a caller built itself (not planned), kept while the inputs stay

    @property
    def source(self) -> str:
        """The checkpoint (file or folder) as chosen, by name; '' for the seed model or a plug-in."""
        return Path(self.request.checkpoint).name if self.request.checkpoint else ""

    @property
    def settings(self) -> RunSettings | None:
        """The loaded run's settings (its config.json, where it had one); None without a checkpoint."""
        return self.agent.settings if self.agent is not None else None


@dataclass
class Plan:
    config: Config
    model_factory: Any
    input_factory: Any
    notes: list[str]
    edits: list[Edit] = field(default_factory=list)  # checked against the sizes when the Stepper is built
    loaded: Loaded | None = None  # what this plan loads, for Stepper.loaded (always set by plan())


def plan(request: Request, loaded: Loaded | None = None) -> Plan:
    """Work out the configuration and the model and input factories for ``request`` (nothing is built yet).

    ``loaded`` is what runs now (``Stepper.loaded``): while the request's model
    choice is the same, its model (and checkpoint, as read) is reused rather than
    read again; an input source a caller built itself stays while the input choice does.
    """
    from .stepper import pattern_inputs, seed_model

    r = request
    edits = parse_edits(r.edits)  # a malformed edit is refused before anything is loaded
    same_model = loaded is not None and _choice(loaded.request, MODEL_CHOICE) == _choice(r, MODEL_CHOICE)
    inputs_choice = INPUT_CHOICE + RUN_FLAGS
    same_inputs = loaded is not None and _choice(loaded.request, inputs_choice) == _choice(r, inputs_choice)
    defaults = Config()
    if r.current is not None:
        defaults = defaults.replace(**{k: getattr(r.current, k) for k in SESSION_FIELDS})
    asked = {k: getattr(r, k) for k in SESSION_FIELDS}
    base = {k: v for k, v in asked.items() if v is not None}
    config = defaults.replace(**base)
    if r.actions is not None:
        config = config.replace(actions=r.actions, actions_from=f"--actions {r.actions}")
    if r.terminal_step is not None:
        config = config.replace(terminal_step=r.terminal_step)
    notes: list[str] = []
    model_factory: Any = seed_model
    input_factory: Any = pattern_inputs
    fixed_input = False
    settings = None
    agent = None
    for flag, value in (("--load-step", r.load_step), ("--run-config", r.run_config), ("--run-agent", r.agent)):
        if value is not None and not r.checkpoint:
            raise ConfigError(f"{flag} goes with --checkpoint")
    if r.checkpoint and r.model:
        raise UserError("use --checkpoint or --model, not both")
    if r.inputs and r.env:
        raise UserError("use --inputs or --env, not both")
    for flag, value in (
        ("--obs-last-action", r.obs_last_action),
        ("--obs-agent-id", r.obs_agent_id),
        ("--actions", r.actions),
        ("--no-terminal-step", False if r.terminal_step is False else None),
    ):
        if value is not None and not r.env:
            raise ConfigError(f"{flag} is about inputs built from a live environment; it goes with --env")
    kept = loaded if loaded is not None and same_model and loaded.model_factory is not None else None
    if kept is not None:
        model_factory = kept.model_factory  # the model that runs stays: not read or imported again
    if r.model:
        from .checkpoint import plugin_factory

        if kept is None:
            model_factory = plugin_factory(r.model)
        config = config.replace(model=r.model, family="plugin")
    if r.checkpoint:
        from .checkpoint import load_agent

        if kept is not None and kept.agent is not None:
            agent = kept.agent
        else:
            agent = load_agent(r.checkpoint, load_step=r.load_step, run_config=r.run_config, agent=r.agent)
            model_factory = agent.build
        fixed = agent.fixed()
        where = f"the checkpoint {agent.path}"
        _check_explicit(asked, fixed, where, agent.layout.family)
        config = config.replace(**fixed, model=agent.label)
        fixed_input = True
        settings = agent.settings
        if agent.note:
            notes.append(f"{agent.path}: {agent.note}")
        if settings.path:
            notes.append(f"run settings from {settings.path}")
        if r.env and r.actions is None and settings.action_selector is not None:
            from .checkpoint import actions_for

            mode, why = actions_for(settings)
            if mode == "sample" and config.agent_output != "pi_logits":
                mode, why = "greedy", f"{why}, but this agent outputs Q-values, which are acted on greedily"
            config = config.replace(actions=mode, actions_from=why)
            notes.append(f"actions: {mode} ({why}; --actions overrides it)")
        elif r.actions is not None and settings.action_selector is not None:
            notes.append(f"actions: {r.actions} (--actions, over the run's action_selector {settings.action_selector})")
    own_inputs = loaded.input_factory if loaded is not None and same_inputs else None
    if own_inputs is not None and r.current is not None:  # a caller's own source: the inputs as they were
        input_factory = own_inputs
        config = config.replace(**{k: getattr(r.current, k) for k in INPUT_FIELDS})
    if r.inputs:
        from .input_files import file_inputs_factory

        input_factory, from_file = file_inputs_factory(r.inputs, config)
        for key in ("batch_size", "n_agents", "input_dim"):
            have, want = getattr(from_file, key), asked[key]
            if want is not None and have != want:
                raise ConfigError(
                    f"{SIZE_FLAGS[key]} {want} conflicts with the inputs file {r.inputs}, which has {key} {have}"
                )
        if fixed_input and from_file.input_dim != config.input_dim:
            raise ConfigError(
                f"the inputs file {r.inputs} has {from_file.input_dim} inputs per agent, "
                f"but the checkpoint takes {config.input_dim}"
            )
        if config.family == "epymarl-ns" and from_file.n_agents != config.n_agents:
            raise ConfigError(
                f"the inputs file {r.inputs} has {from_file.n_agents} agents, "
                "but the checkpoint holds one network for each of"
                f" {config.n_agents}"
            )
        config = from_file
    if r.env:
        from .env_inputs import env_inputs_factory
        from .envs import parse_env_options

        if asked["input_dim"] is not None and not fixed_input:
            config = config.replace(input_dim=asked["input_dim"])
        last_action = r.obs_last_action
        agent_id = r.obs_agent_id
        if settings is not None:
            for flag, mine, theirs in (
                ("--obs-last-action", last_action, settings.obs_last_action),
                ("--obs-agent-id", agent_id, settings.obs_agent_id),
            ):
                if mine is not None and theirs is not None and mine != theirs:
                    raise ConfigError(
                        f"{flag} {mine} conflicts with the run config {settings.path}, which says {theirs}"
                    )
            last_action = settings.obs_last_action if last_action is None else last_action
            agent_id = settings.obs_agent_id if agent_id is None else agent_id
        input_factory, planned = env_inputs_factory(
            config,
            r.env,
            parse_env_options(r.env_args),
            last_action=last_action,
            agent_id=agent_id,
            n_agents=asked["n_agents"],
            fixed_input=fixed_input,
        )
        if asked["input_dim"] is not None and planned.input_dim != asked["input_dim"]:
            raise ConfigError(
                f"--input-dim {asked['input_dim']} conflicts with {r.env}, whose agents get {planned.input_dim} inputs"
            )
        config = planned
    elif r.env_args:
        raise ConfigError("--env-arg goes with --env")
    what = Loaded(replace(r, current=None), model_factory, agent)
    return Plan(config.validate(), model_factory, input_factory, notes, edits, what)


def _choice(request: Request, group: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(tuple(v) if isinstance(v, list) else v for v in (getattr(request, k) for k in group))


def _check_explicit(asked: dict[str, Any], fixed: dict[str, Any], where: str, family: str) -> None:
    """An option the person typed that disagrees with what ``where`` fixes is an error naming both."""
    for key, flag in SIZE_FLAGS.items():
        want = asked.get(key)
        if want is None or key not in fixed:
            continue
        have = fixed[key]
        if key == "hidden_dim":
            want_units = units_for(want) if family == "seed" else want
            have_units = units_for(have) if family == "seed" else have
            if want_units != have_units:
                raise ConfigError(
                    f"{flag} {want} ({want_units} units) conflicts with {where}, which has {have_units} units"
                )
        elif want != have:
            raise ConfigError(f"{flag} {want} conflicts with {where}, which has {key} {have}")
