"""From what a person asked for to a session that can be built: options, checkpoint, inputs and environment.

Every value is either asked for (an option the person typed), fixed by what was
loaded (a checkpoint's sizes, an inputs file's shape, an environment's agents),
or a default.  An option that disagrees with what was loaded is an error that
names both values; nothing is silently replaced, and the resulting
:class:`~hiddenscope.core.config.Config` is what will really run.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from .config import Config, units_for
from .edits import Edit, parse_edits
from .errors import ConfigError, UserError

SIZE_FLAGS = {
    "batch_size": "--batch-size",
    "n_agents": "--n-agents",
    "hidden_dim": "--hidden-dim",
    "input_dim": "--input-dim",
}


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
    edits: list[str] = field(default_factory=list)  # --edit T:AGENTS:OP, in the order given

    @classmethod
    def from_namespace(cls, namespace: Any) -> Request:
        values: dict[str, Any] = {f.name: getattr(namespace, f.name, None) for f in fields(cls)}
        values["agent"] = getattr(namespace, "run_agent", None)
        values["env_args"] = list(values["env_args"] or [])
        values["edits"] = list(values["edits"] or [])
        return cls(**values)


@dataclass
class Plan:
    config: Config
    model_factory: Any
    input_factory: Any
    notes: list[str]
    edits: list[Edit] = field(default_factory=list)  # checked against the sizes when the Stepper is built


def plan(request: Request) -> Plan:
    """Work out the configuration and the model and input factories for ``request`` (nothing is built yet)."""
    from .stepper import pattern_inputs, seed_model

    r = request
    edits = parse_edits(r.edits)  # a malformed edit is refused before anything is loaded
    defaults = Config()
    asked = {k: getattr(r, k) for k in ("batch_size", "n_agents", "hidden_dim", "input_dim", "seed", "device", "dtype")}
    base = {k: v for k, v in asked.items() if v is not None}
    config = defaults.replace(**base)
    if r.actions is not None:
        config = config.replace(actions=r.actions)
    notes: list[str] = []
    model_factory: Any = seed_model
    input_factory: Any = pattern_inputs
    fixed_input = False
    settings = None
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
    ):
        if value is not None and not r.env:
            raise ConfigError(f"{flag} is about inputs built from a live environment; it goes with --env")
    if r.model:
        from .checkpoint import plugin_factory

        model_factory = plugin_factory(r.model)
        config = config.replace(model=r.model, family="plugin")
    if r.checkpoint:
        from .checkpoint import load_agent

        loaded = load_agent(r.checkpoint, load_step=r.load_step, run_config=r.run_config, agent=r.agent)
        fixed = loaded.fixed()
        where = f"the checkpoint {loaded.path}"
        _check_explicit(asked, fixed, where, loaded.layout.family)
        config = config.replace(**fixed, model=loaded.label)
        model_factory = loaded.build
        fixed_input = True
        settings = loaded.settings
        if loaded.note:
            notes.append(f"{loaded.path}: {loaded.note}")
        if settings.path:
            notes.append(f"run settings from {settings.path}")
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
    return Plan(config.validate(), model_factory, input_factory, notes, edits)


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
