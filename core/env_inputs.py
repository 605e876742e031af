"""Inputs from live multi-agent environments: fitting an environment to a model, and the input factory.

:func:`env_inputs_factory` works out what the environment fixes (agents, the
controller's input width) and checks it against what the model fixes (its input
size, its number of actions, the agents of a one-network-per-agent checkpoint),
saying exactly what conflicts.  The environments themselves live in
:mod:`hiddenscope.core.envs`, each an optional extra.
"""

from __future__ import annotations

from collections.abc import Callable

from .config import Config, resolve_device
from .episodes import EpisodeInputs, infer_input_flags, input_width
from .errors import ConfigError

# The option that sets how many agents each environment has.
AGENT_OPTION = {"simple_spread": "n_agents", "lbf": "players", "rware": "agents", "vmas": "n_agents"}
MIRRORED = ("pymarl", "epymarl", "epymarl-ns", "pymarl2")

InputFactory = Callable[[Config], EpisodeInputs]


def env_inputs_factory(
    config: Config,
    name: str,
    options: dict[str, str] | None = None,
    last_action: bool | None = None,
    agent_id: bool | None = None,
    n_agents: int | None = None,
    fixed_input: bool = False,
) -> tuple[InputFactory, Config]:
    """An input factory over environment ``name`` and ``config`` with what the environment fixes.

    ``config`` carries what the model fixes (``input_dim``, ``n_actions``, ``family``;
    ``n_agents`` for one network per agent).  ``last_action``/``agent_id`` are the
    run's ``obs_last_action``/``obs_agent_id`` where known (from the command line or
    the run's config.json); otherwise a trained agent's are worked out from the sizes,
    and a seed or plug-in model gets the bare observation.  ``n_agents`` is an agent
    count asked for explicitly; ``fixed_input`` says the model's input size is fixed
    (a checkpoint) rather than free (the seed model builds for any size).
    """
    from .envs import env_spec, split_env_name

    base, typed = split_env_name(name, dict(options or {}))
    agent_key = AGENT_OPTION[base]
    wanted = n_agents if n_agents is not None else (config.n_agents if config.family == "epymarl-ns" else None)
    if wanted is not None:
        given = typed.get(agent_key)
        if given is not None and str(given).strip() != str(wanted):
            raise ConfigError(
                f"{agent_count_source(config, n_agents)} {wanted} conflicts with --env-arg {agent_key}={given}"
            )
        typed[agent_key] = str(wanted)
    spec = env_spec(base, typed)
    if wanted is not None and spec.n_agents != wanted:
        raise ConfigError(f"{agent_count_source(config, n_agents)} {wanted}, but {name} runs {spec.n_agents} agents")
    if config.n_actions and config.n_actions != spec.n_actions:
        raise ConfigError(
            f"the agent outputs {config.n_actions} values per agent, but {name} has {spec.n_actions} actions;"
            " it was trained on another environment (or other options)"
        )
    if fixed_input and config.family in MIRRORED:
        if last_action is None or agent_id is None:
            known = [
                (la, aid)
                for la in ((last_action,) if last_action is not None else (True, False))
                for aid in ((agent_id,) if agent_id is not None else (True, False))
                if input_width(spec.obs_dim, spec.n_actions, spec.n_agents, la, aid) == config.input_dim
            ]
            if not known:
                infer_input_flags(config.input_dim, spec.obs_dim, spec.n_actions, spec.n_agents, name)  # says why
            if len(known) > 1:
                raise ConfigError(
                    f"the agent takes {config.input_dim} inputs and {name} gives {spec.obs_dim} observations,"
                    f" {spec.n_actions} actions, {spec.n_agents} agents: that fits both observation + last action"
                    " and observation + agent id; pass --run-config PATH/config.json, or --obs-last-action"
                    " --no-obs-agent-id, or --no-obs-last-action --obs-agent-id"
                )
            if known:
                last_action, agent_id = known[0]
    last_action = bool(last_action)
    agent_id = bool(agent_id)
    width = input_width(spec.obs_dim, spec.n_actions, spec.n_agents, last_action, agent_id)
    if fixed_input and width != config.input_dim:
        parts = [f"{spec.obs_dim} observations"]
        if last_action:
            parts.append(f"{spec.n_actions} last-action")
        if agent_id:
            parts.append(f"{spec.n_agents} agent-id")
        raise ConfigError(
            f"the agent takes {config.input_dim} inputs, but {name} builds {width} ({' + '.join(parts)});"
            " check the run's obs_last_action / obs_agent_id and the environment's options"
        )
    options_out = tuple(sorted((k, str(v)) for k, v in typed.items()))
    planned = config.replace(
        n_agents=spec.n_agents,
        input_dim=width,
        env=name,
        env_options=options_out,
        obs_last_action=last_action,
        obs_agent_id=agent_id,
    )

    def build(c: Config) -> EpisodeInputs:
        from .envs import make_env_batch

        expected = input_width(spec.obs_dim, spec.n_actions, c.n_agents, c.obs_last_action, c.obs_agent_id)
        if c.n_agents != spec.n_agents or c.input_dim != expected:
            raise ConfigError(
                f"{name} runs {spec.n_agents} agents with {expected} inputs each; {c.n_agents} agents ×"
                f" {c.input_dim} inputs do not fit it (change the environment's options with --env-arg)"
            )
        device = str(resolve_device(c.device))
        env = make_env_batch(c.env, c.batch_size, c.seed, dict(c.env_options), device=device)
        try:
            output = c.agent_output if c.n_actions else "q"
            return EpisodeInputs(env, c.seed, c.input_dim, output, c.actions, terminal_step=c.terminal_step)
        except BaseException:
            env.close()
            raise

    return build, planned


def agent_count_source(config: Config, explicit: int | None) -> str:
    if explicit is not None:
        return "--n-agents"
    return f"the checkpoint's agents ({config.model or 'one network per agent'}):"
