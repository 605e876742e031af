"""Loading trained agents safely: the PyMARL family's checkpoints (PyMARL and EPyMARL ``RNNAgent``,
EPyMARL ``RNNNSAgent``, PyMARL2 ``NRNNAgent``), their run folders and ``config.json``, the seed
model's own ``state_dict``, ``.safetensors`` files, and plug-in models named on the command line.

Nothing is ever unpickled beyond plain tensors: ``.th``/``.pt``/``.pth`` files go
through ``torch.load(..., weights_only=True)``, which refuses any pickled code or
object, and ``.safetensors`` files hold tensors only.  Every problem is a
:class:`~hiddenscope.core.errors.CheckpointError` that names the file and what is
wrong with it (which key, which shape).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import pickle
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .config import Config, units_for
from .errors import CheckpointError, ConfigError, FileProblem, first_line
from .files import check_readable_file
from .model import CondAgent

SUFFIXES = (".th", ".pt", ".pth", ".safetensors")
SEED_KEYS = ("cond_rnn.f.weight_ih", "cond_rnn.f.weight_hh", "cond_rnn.f.bias_ih", "cond_rnn.f.bias_hh")

ModelFactory = Callable[[Config], nn.Module]


def load_state_dict_file(path: str | Path) -> dict[str, torch.Tensor]:
    """Read a ``state_dict`` without running any code from the file."""
    path = check_readable_file(path, "checkpoint", CheckpointError)
    if path.suffix.lower() == ".safetensors":
        try:
            from safetensors.torch import load_file

            data: Any = load_file(str(path), device="cpu")
        except Exception as exc:
            raise CheckpointError(f"checkpoint {path} is not a valid .safetensors file ({first_line(exc)})") from None
    else:
        try:
            data = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as exc:
            # The weights-only loader refuses two things: pickled globals (code, objects) and bytes it cannot parse.
            refused = refused_global(exc)
            if refused is None:
                raise CheckpointError(
                    f"checkpoint {path} is corrupted, truncated or not a PyTorch file ({torch_load_reason(exc)})"
                ) from None
            raise CheckpointError(
                f"checkpoint {path} holds Python objects or code, not only tensors, so it was refused and"
                f" nothing in it was run (it names {refused}); save the model's state_dict() instead"
            ) from None
        except Exception as exc:
            raise CheckpointError(
                f"checkpoint {path} is corrupted, truncated or not a PyTorch file ({torch_load_reason(exc)})"
            ) from None
    return _as_state_dict(data, path)


def refused_global(exc: BaseException) -> str | None:
    """The global (a function, a class) a weights-only ``torch.load`` refused to import, or None if it refused none."""
    found = re.search(r"GLOBAL\s+([\w.]+)", str(exc))
    if found:
        return found.group(1)[:120]
    return "a Python object" if "unsupported global" in str(exc).lower() else None


def torch_load_reason(exc: BaseException) -> str:
    """The useful part of a failed ``torch.load``'s message.

    A weights-only failure starts with boilerplate that suggests loading with
    ``weights_only=False``, which would run the file's code; only the loader's own
    reason (e.g. "Unsupported operand 120") is kept.
    """
    text = str(exc)
    marker = "WeightsUnpickler error:"
    if marker in text:
        rest = [line.strip() for line in text.split(marker, 1)[1].splitlines() if line.strip()]
        return rest[0][:200] if rest else "the weights-only loader could not read it"
    return first_line(exc)


def _as_state_dict(data: Any, path: Path) -> dict[str, torch.Tensor]:
    if isinstance(data, dict) and not any(isinstance(v, torch.Tensor) for v in data.values()):
        for key in ("state_dict", "model", "agent", "model_state_dict"):
            if isinstance(data.get(key), dict):
                data = data[key]
                break
    if not isinstance(data, dict) or not data:
        raise CheckpointError(f"checkpoint {path} does not hold a state_dict (a mapping of names to tensors)")
    for key, value in data.items():
        if not isinstance(value, torch.Tensor):
            raise CheckpointError(f"checkpoint {path}: entry {key!r} is a {type(value).__name__}, not a tensor")
    if all(isinstance(key, str) and key.startswith("module.") for key in data):
        # Saved from inside nn.DataParallel / DistributedDataParallel: the same weights, one prefix deeper.
        return {key[len("module.") :]: value for key, value in data.items()}
    return dict(data)


def _expect(sd: dict[str, torch.Tensor], path: Path, key: str, shape: tuple[int, ...]) -> None:
    found = tuple(sd[key].shape)
    if found != shape:
        raise CheckpointError(f"checkpoint {path}: {key} has shape {found}, but the rest of the model needs {shape}")


def _matrix(sd: dict[str, torch.Tensor], path: Path, key: str) -> tuple[int, int]:
    """The shape of a weight matrix, which must be 2-D with no empty side."""
    shape = tuple(sd[key].shape)
    if len(shape) != 2 or 0 in shape:
        raise CheckpointError(
            f"checkpoint {path}: {key} has shape {shape}, but a weight matrix must be (out, in) with both at least 1"
        )
    return shape  # type: ignore[return-value]


def describe_seed(sd: dict[str, torch.Tensor], path: Path) -> tuple[int, int]:
    """``(input size, _hidden_dim)`` of the seed agent's state_dict, after checking every shape."""
    units = _matrix(sd, path, "cond_rnn.f.weight_hh")[1]
    inputs = _matrix(sd, path, "cond_rnn.f.weight_ih")[1]
    for key, shape in (
        ("cond_rnn.f.weight_ih", (3 * units, inputs)),
        ("cond_rnn.f.weight_hh", (3 * units, units)),
        ("cond_rnn.f.bias_ih", (3 * units,)),
        ("cond_rnn.f.bias_hh", (3 * units,)),
    ):
        _expect(sd, path, key, shape)
    hidden_dim = units * 4 // 3
    if units % 3 or units_for(hidden_dim) != units:
        raise CheckpointError(
            f"checkpoint {path}: the GRU has {units} units, which no _hidden_dim gives as hidden_dim // 4 * 3"
        )
    return inputs, hidden_dim


# -- what a file is ---------------------------------------------------------------------------------------------

# Files PyMARL-family runs save beside agent.th, and what they hold.
NOT_AGENT_FILES = {
    "mixer.th": "the mixing network (QMIX/VDN/QPLEX mixer)",
    "opt.th": "the optimiser's state",
    "agent_opt.th": "the agent optimiser's state",
    "mixer_opt.th": "the mixer optimiser's state",
    "critic.th": "the critic of an actor-critic run",
    "critic_opt.th": "the critic optimiser's state",
    "target_critic.th": "the target critic of an actor-critic run",
}

FAMILY_NAMES = {
    "seed": "the seed note's CondAgent",
    "pymarl": "PyMARL RNNAgent",
    "epymarl": "EPyMARL RNNAgent",
    "epymarl-ns": "EPyMARL RNNNSAgent (one network per agent)",
    "pymarl2": "PyMARL2 NRNNAgent",
}
# The controller each family's config pairs with an agent unless its ``mac`` says otherwise.
DEFAULT_MAC = {"rnn": "basic_mac", "rnn_ns": "non_shared_mac", "n_rnn": "n_mac"}
# The ``agent`` names of the PyMARL family's configs, and which families they can be.
AGENT_NAMES = {"rnn": ("pymarl", "epymarl"), "rnn_ns": ("epymarl-ns",), "n_rnn": ("pymarl2",), "seed": ("seed",)}

_GRU_KEYS = ("rnn.weight_ih", "rnn.weight_hh", "rnn.bias_ih", "rnn.bias_hh")
_LINEAR_RNN_KEYS = ("rnn.weight", "rnn.bias")
_HEAD_KEYS = ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias")
_NORM_KEYS = ("layer_norm.weight", "layer_norm.bias")


@dataclass(frozen=True)
class Layout:
    """What a checkpoint's weights say about the agent, read off their names and shapes alone."""

    family: str
    inputs: int
    units: int
    n_actions: int = 0
    n_agents: int = 0  # fixed by the weights (one network per agent); 0 where any number fits
    recurrent: bool = True
    layer_norm: bool = False
    # Which of the family's agent and controller classes run: PyMARL2's ``rnn`` agent with ``basic_mac``
    # has the same weights as its ``n_rnn`` with ``n_mac`` but other reshapes ("" where the family has one).
    agent: str = ""
    mac: str = ""

    @property
    def hidden_dim(self) -> int:
        """The value of ``Config.hidden_dim``: the seed's ``_hidden_dim``, else the GRU's own size."""
        return self.units * 4 // 3 if self.family == "seed" else self.units

    def describe(self, name: str) -> str:
        what = FAMILY_NAMES[self.family]
        if self.family == "pymarl2" and self.agent == "rnn":
            what = "PyMARL2 RNNAgent"
        if self.mac and self.mac != DEFAULT_MAC.get(self.agent):
            what += f" with {self.mac}"
        if self.family == "seed":
            return f"seed agent {name}"
        extra = " + LayerNorm" if self.layer_norm else ""
        agents = f", {self.n_agents} agents" if self.n_agents else ""
        text = f"{what}{extra} {name} ({self.units} units, {self.n_actions} actions{agents})"
        if not self.recurrent:
            text += " · use_rnn: False, no recurrent state: the heatmaps show a feed-forward activation"
        return text


def _rnn_agent_layout(sd: dict[str, torch.Tensor], path: Path, prefix: str = "") -> Layout:
    """The layout of one fc1 → rnn → fc2 agent (keys under ``prefix``), after checking every key and shape."""
    keys = {k[len(prefix) :] for k in sd if k.startswith(prefix)}
    recurrent = any(k in keys for k in _GRU_KEYS) or not any(k in keys for k in _LINEAR_RNN_KEYS)
    layer_norm = any(k in keys for k in _NORM_KEYS)
    expected = (
        set(_HEAD_KEYS) | set(_GRU_KEYS if recurrent else _LINEAR_RNN_KEYS) | (set(_NORM_KEYS) if layer_norm else set())
    )
    missing = sorted(expected - keys)
    if missing:
        raise CheckpointError(
            f"checkpoint {path} looks like a PyMARL-family agent (fc1 → rnn → fc2) but lacks"
            f" {', '.join(prefix + k for k in missing)}"
        )
    extra = sorted(keys - expected)
    if extra:
        shown = ", ".join(prefix + k for k in extra[:6]) + (", …" if len(extra) > 6 else "")
        raise CheckpointError(
            f"checkpoint {path} looks like a PyMARL-family agent (fc1 → rnn → fc2) but also has {shown},"
            " which none of the agents hiddenscope mirrors has (RNNAgent, RNNNSAgent, NRNNAgent)"
        )
    for key in expected:
        if not sd[prefix + key].is_floating_point():
            raise CheckpointError(
                f"checkpoint {path}: {prefix + key} holds {str(sd[prefix + key].dtype).removeprefix('torch.')} values;"
                " weights must be floating point"
            )
    hidden, inputs = _matrix(sd, path, prefix + "fc1.weight")
    actions = _matrix(sd, path, prefix + "fc2.weight")[0]
    shapes: list[tuple[str, tuple[int, ...]]] = [
        ("fc1.weight", (hidden, inputs)),
        ("fc1.bias", (hidden,)),
        ("fc2.weight", (actions, hidden)),
        ("fc2.bias", (actions,)),
    ]
    if recurrent:
        shapes += [
            ("rnn.weight_ih", (3 * hidden, hidden)),
            ("rnn.weight_hh", (3 * hidden, hidden)),
            ("rnn.bias_ih", (3 * hidden,)),
            ("rnn.bias_hh", (3 * hidden,)),
        ]
    else:
        shapes += [("rnn.weight", (hidden, hidden)), ("rnn.bias", (hidden,))]
    if layer_norm:
        shapes += [("layer_norm.weight", (hidden,)), ("layer_norm.bias", (hidden,))]
    for key, shape in shapes:
        _expect(sd, path, prefix + key, shape)
    family = "pymarl2" if layer_norm else ("pymarl" if recurrent else "epymarl")
    return Layout(family, inputs, hidden, actions, recurrent=recurrent, layer_norm=layer_norm)


def detect_layout(
    state_dict: dict[str, torch.Tensor], path: str | Path = "checkpoint", agent: str | None = None
) -> Layout:
    """Which agent ``state_dict`` belongs to, with its sizes, after checking every key and shape.

    ``agent`` is the run's ``agent`` setting (``rnn``, ``rnn_ns``, ``n_rnn``) where it is
    known; the weights alone cannot tell PyMARL's ``RNNAgent`` from PyMARL2's
    ``NRNNAgent`` without LayerNorm (the same keys and numbers; only the controller's
    reshapes differ), so without it that layout is read as PyMARL's.
    """
    path = Path(path)
    if agent is not None and agent not in AGENT_NAMES:
        raise ConfigError(f"--run-agent must be one of {', '.join(AGENT_NAMES)}, got {agent!r}")
    if state_dict and all(isinstance(k, str) and k.startswith("agents.") for k in state_dict):
        layout = _non_shared_layout(state_dict, path)
    elif all(k in state_dict for k in SEED_KEYS):
        extra = sorted(k for k in state_dict if k not in SEED_KEYS)
        if extra:
            shown = ", ".join(extra[:6]) + (", …" if len(extra) > 6 else "")
            raise CheckpointError(
                f"checkpoint {path} looks like the seed agent but also has {shown}, which that model does not have"
            )
        for key in SEED_KEYS:
            if not state_dict[key].is_floating_point():
                raise CheckpointError(
                    f"checkpoint {path}: {key} holds {str(state_dict[key].dtype).removeprefix('torch.')} values;"
                    " weights must be floating point"
                )
        inputs, hidden_dim = describe_seed(state_dict, path)
        layout = Layout("seed", inputs, units_for(hidden_dim))
    elif any(k in state_dict for k in ("fc1.weight", "fc2.weight", "rnn.weight_ih", "rnn.weight")):
        other = _other_network(state_dict, path)
        if other:
            raise CheckpointError(other)
        layout = _rnn_agent_layout(state_dict, path)
    else:
        raise CheckpointError(_not_an_agent(state_dict, path))
    if agent is None:
        return layout
    families = AGENT_NAMES[agent]
    if layout.family in families:
        return layout
    if layout.family == "pymarl" and agent == "n_rnn":
        return dataclasses.replace(layout, family="pymarl2")
    raise CheckpointError(
        f"the run's agent is {agent!r} ({' or '.join(FAMILY_NAMES[f] for f in families)}), but checkpoint {path}"
        f" holds the weights of {FAMILY_NAMES[layout.family]}"
        + (" with use_rnn: False" if not layout.recurrent else "")
    )


def _non_shared_layout(sd: dict[str, torch.Tensor], path: Path) -> Layout:
    indices: set[int] = set()
    for key in sd:
        head = key.split(".")[1]
        if not head.isdigit():
            raise CheckpointError(f"checkpoint {path}: {key} does not fit EPyMARL's agents.<i>.… layout")
        indices.add(int(head))
    n = len(indices)
    if indices != set(range(n)):
        raise CheckpointError(
            f"checkpoint {path} holds agents {sorted(indices)}; one network per agent needs agents 0 to {n - 1}"
        )
    layouts = [_rnn_agent_layout(sd, path, f"agents.{i}.") for i in range(n)]
    first = layouts[0]
    for i, other in enumerate(layouts[1:], 1):
        if other != first:
            raise CheckpointError(
                f"checkpoint {path}: agents.{i} has different sizes from agents.0 ({other} vs {first})"
            )
    if first.layer_norm:
        raise CheckpointError(
            f"checkpoint {path}: one network per agent with layer_norm is not a layout hiddenscope mirrors"
        )
    return dataclasses.replace(first, family="epymarl-ns", n_agents=n)


def _other_network(sd: dict[str, torch.Tensor], path: Path) -> str:
    """What a network with fc1/fc2 keys is when it is not an agent hiddenscope mirrors ('' when it may be one)."""
    if any(k.startswith("att.") for k in sd):
        return (
            f"checkpoint {path} holds PyMARL2's attention agent ATTRNNAgent (agent: att_rnn; it has att.*,"
            " fc1, rnn, fc2, fc3), which hiddenscope does not mirror; load it with --model MODULE:FACTORY"
        )
    if "fc3.weight" not in sd or any(k.startswith("rnn.") for k in sd):
        return ""
    shape = tuple(sd["fc3.weight"].shape)
    if len(shape) == 2 and shape[0] == 1:
        return (
            f"checkpoint {path} holds a critic, not an agent: fc1 → fc2 → fc3 with one value out, as EPyMARL's"
            " CentralVCritic and ACCritic are built; the agent's weights are agent.th in the same folder"
        )
    outs = shape[0] if shape else "?"
    return (
        f"checkpoint {path} holds a feed-forward network fc1 → fc2 → fc3 ({outs} outputs, no rnn): PyMARL2's"
        " FFAgent (agent: ff) or a COMA critic (one value per action); neither has a memory to show."
        " hiddenscope reads the recurrent agents rnn, rnn_ns and n_rnn"
    )


def _not_an_agent(sd: dict[str, torch.Tensor], path: Path) -> str:
    found = ", ".join(sorted(sd)[:6]) + (", …" if len(sd) > 6 else "")
    if any(k.startswith(("hyper_w", "hyper_b", "V.", "hyper_")) for k in sd):
        return (
            f"checkpoint {path} holds a mixing network (it has {found}), not an agent; the agent's weights are"
            " agent.th in the same folder"
        )
    if any(k.startswith(("critic", "state_value", "fc3")) for k in sd):
        return f"checkpoint {path} looks like a critic (it has {found}), not an agent; the agent is agent.th beside it"
    return (
        f"checkpoint {path} is not an agent hiddenscope knows: it has {found}. It reads PyMARL/EPyMARL RNNAgent"
        f" ({', '.join(_HEAD_KEYS + _GRU_KEYS)}), EPyMARL RNNNSAgent (agents.<i>.…), PyMARL2 NRNNAgent"
        f" (+ layer_norm.*) and the seed agent ({', '.join(SEED_KEYS)}); other models load with --model MODULE:FACTORY"
    )


def detect_kind(state_dict: dict[str, torch.Tensor], path: str | Path = "checkpoint") -> str:
    """The family of ``state_dict`` (``"seed"``, ``"pymarl"``, ``"epymarl"``, ``"epymarl-ns"``, ``"pymarl2"``)."""
    return detect_layout(state_dict, path).family


# -- run folders and run settings ---------------------------------------------------------------------------------


def resolve_checkpoint(path: str | Path, load_step: int | None = None) -> tuple[Path, str]:
    """The ``agent.th`` a path means, and a note on how it was found.

    A file is itself.  A step folder (``results/models/<run>/<t_env>/``) means its
    ``agent.th``.  A run folder (``results/models/<run>/``) means the latest numbered
    step, or with ``load_step`` the step nearest to it, as PyMARL's ``load_step`` does.
    """
    path = Path(path).expanduser()
    if load_step is not None and load_step < 0:
        raise ConfigError(f"--load-step must be 0 or more, got {load_step}")
    if not path.is_dir():
        if load_step is not None and path.exists():
            raise ConfigError(f"--load-step picks a step in a run folder; {path} is a file")
        if path.name in NOT_AGENT_FILES:
            raise CheckpointError(
                f"{path} holds {NOT_AGENT_FILES[path.name]}, not the agent; "
                f"the agent's weights are {path.parent / 'agent.th'}"
            )
        return path, ""
    # In os.listdir's order, as the families' run.py reads them: it breaks a tie between two equally near steps.
    listed = [name for name in os.listdir(path) if name.isdigit() and (path / name).is_dir()]
    steps: dict[int, Path] = {}
    for name in listed:
        steps.setdefault(int(name), path / name)
    if (path / "agent.th").exists() and not (load_step is not None and steps):
        if load_step is not None:
            raise ConfigError(f"--load-step picks a step in a run folder; {path} is a step folder (it holds agent.th)")
        return path / "agent.th", ""
    if not steps:
        raise CheckpointError(
            f"{path} is a folder with no agent.th and no numbered step folders; PyMARL saves"
            " results/models/<run>/<step>/agent.th: open the run folder, a step folder or the file"
        )
    if load_step is None or load_step == 0:
        chosen = max(steps)
        how = f"the latest of {len(steps)} saved steps"
    else:
        chosen = min(steps, key=lambda s: abs(s - load_step))  # the first of equally near ones, in listing order
        tied = [s for s in steps if abs(s - load_step) == abs(chosen - load_step)]
        if chosen == load_step:
            how = "--load-step"
        elif len(tied) > 1:
            how = (
                f"the saved step nearest to --load-step {load_step}; {' and '.join(map(str, tied))} are equally"
                f" near and, as PyMARL's run.py does, the first os.listdir lists is taken"
            )
        else:
            how = f"the saved step nearest to --load-step {load_step}"
    file = steps[chosen] / "agent.th"
    if not file.exists():
        others = [p.name for p in steps[chosen].iterdir()][:6]
        raise CheckpointError(f"step folder {steps[chosen]} has no agent.th (it has {', '.join(others) or 'nothing'})")
    return file, f"step {chosen} ({how})"


@dataclass(frozen=True)
class RunSettings:
    """What a run's ``config.json`` (sacred) says about how its agent was driven; ``None``: not said."""

    path: str = ""
    agent: str | None = None
    mac: str | None = None
    hidden: int | None = None
    use_rnn: bool | None = None
    use_layer_norm: bool | None = None
    obs_last_action: bool | None = None
    obs_agent_id: bool | None = None
    agent_output: str | None = None
    flavour: str | None = None  # "epymarl" or "pymarl2" where the config has that family's own keys
    action_selector: str | None = None  # epsilon_greedy, soft_policies, multinomial, …
    test_greedy: bool | None = None  # multinomial: greedy in test mode (its default) or sampled
    mask_before_softmax: bool | None = None  # a policy's unavailable actions masked before the softmax (default)


def find_run_config(checkpoint: Path) -> Path | None:
    """A ``config.json`` in the step folder or the run folder above it, if the run kept one there."""
    for folder in (checkpoint.parent, checkpoint.parent.parent):
        candidate = folder / "config.json"
        if candidate.is_file():
            return candidate
    return None


def read_run_config(path: str | Path) -> RunSettings:
    """Read the settings hiddenscope needs from a PyMARL/EPyMARL/PyMARL2 ``config.json``."""
    path = check_readable_file(path, "run config", FileProblem)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileProblem(f"run config {path} is not valid JSON ({first_line(exc)})") from None
    if not isinstance(doc, dict):
        raise FileProblem(f"run config {path} must be a JSON object (a sacred config.json), not {type(doc).__name__}")

    def flag(key: str) -> bool | None:
        value = doc.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise FileProblem(f"run config {path}: {key} is {value!r}, not true or false")
        return value

    def number(*keys: str) -> int | None:
        for key in keys:
            value = doc.get(key)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise FileProblem(f"run config {path}: {key} is {value!r}, not a positive whole number")
                return value
        return None

    agent = doc.get("agent")
    if agent is not None and agent not in AGENT_NAMES:
        raise ConfigError(
            f"run config {path}: agent {agent!r} is not one hiddenscope mirrors "
            f"({', '.join(a for a in AGENT_NAMES if a != 'seed')});"
            " load it with --model MODULE:FACTORY"
        )
    output = doc.get("agent_output_type")
    if output is not None and output not in ("q", "pi_logits"):
        raise ConfigError(f"run config {path}: agent_output_type {output!r} is neither q nor pi_logits")
    selector = doc.get("action_selector")
    if selector is not None and selector not in ACTION_SELECTORS:
        raise ConfigError(
            f"run config {path}: action_selector {selector!r} is not one hiddenscope follows"
            f" ({', '.join(ACTION_SELECTORS)}); choose with --actions greedy or --actions sample"
        )
    return RunSettings(
        path=str(path),
        agent=agent,
        mac=doc.get("mac") if isinstance(doc.get("mac"), str) else None,
        hidden=number("rnn_hidden_dim", "hidden_dim"),
        use_rnn=flag("use_rnn"),
        use_layer_norm=flag("use_layer_norm"),
        obs_last_action=flag("obs_last_action"),
        obs_agent_id=flag("obs_agent_id"),
        agent_output=output,
        flavour=config_flavour(doc),
        action_selector=selector,
        test_greedy=flag("test_greedy"),
        mask_before_softmax=flag("mask_before_softmax"),
    )


# The action selectors a run's config may name, and how each acts in test mode (see actions_for).
ACTION_SELECTORS = ("epsilon_greedy", "soft_policies", "multinomial")


def config_flavour(doc: dict[str, Any]) -> str | None:
    """Which family wrote a sacred ``config.json``, from keys only that family's ``default.yaml`` has."""
    if "use_rnn" in doc or "common_reward" in doc or ("hidden_dim" in doc and "rnn_hidden_dim" not in doc):
        return "epymarl"
    if "run" in doc or doc.get("mac") == "n_mac" or doc.get("agent") == "n_rnn":
        return "pymarl2"  # PyMARL2's default.yaml adds ``run``; PyMARL's has no such key
    return None


def actions_for(settings: RunSettings) -> tuple[str, str]:
    """``("greedy" | "sample", why)``: how the run's ``action_selector`` acts in test mode.

    ``epsilon_greedy`` is greedy (test mode sets its epsilon to ``evaluation_epsilon``,
    0 in the families' configs); ``soft_policies`` always samples the policy;
    ``multinomial`` is greedy with ``test_greedy`` (its default) and samples without it.
    """
    selector = settings.action_selector
    if selector is None:
        return "greedy", ""
    if selector == "soft_policies":
        return "sample", "the run's action_selector soft_policies samples the policy, in test mode too"
    if selector == "multinomial":
        if settings.test_greedy is False:
            return "sample", "the run's action_selector multinomial with test_greedy: False samples the policy"
        return "greedy", "the run's action_selector multinomial with test_greedy takes the likeliest action"
    return "greedy", f"the run's action_selector {selector} acts greedily in test mode"


@dataclass(frozen=True)
class LoadedAgent:
    """A checkpoint read and checked once: its file, layout, weights and the run's settings."""

    path: Path
    layout: Layout
    state_dict: dict[str, torch.Tensor]
    settings: RunSettings
    note: str  # how the file was found (a step folder picked from a run folder), or ""

    @property
    def label(self) -> str:
        text = self.layout.describe(self.path.name)
        return f"{text} · {self.note}" if self.note else text

    def fixed(self) -> dict[str, Any]:
        """The configuration values these weights (and the run's settings) fix."""
        values: dict[str, Any] = {
            "input_dim": self.layout.inputs,
            "hidden_dim": self.layout.hidden_dim,
            "family": self.layout.family,
            "n_actions": self.layout.n_actions,
            "agent_output": self.settings.agent_output or "q",
        }
        if self.layout.n_agents:
            values["n_agents"] = self.layout.n_agents
        return values

    def build(self, config: Config) -> nn.Module:
        """A fresh mirror of the family's controller for ``config``, with these weights loaded strictly."""
        layout, path = self.layout, self.path
        _check_inputs(config, layout.inputs, path)
        if config.units != layout.units:
            raise ConfigError(
                f"{path.name} has {layout.units} GRU units; hidden dim {config.hidden_dim} does not fit it"
            )
        if layout.family == "seed":
            model: nn.Module = CondAgent(layout.inputs, config.n_agents, layout.hidden_dim)
            model.load_state_dict(self.state_dict, strict=True)
            return model
        from .agents import epymarl, epymarl_ns, pymarl, pymarl2
        from .agents.base import MirrorController

        output = config.agent_output
        masked = self.settings.mask_before_softmax is not False
        sizes = (layout.inputs, layout.units, layout.n_actions)
        controller: nn.Module
        if layout.family == "epymarl-ns":
            if config.n_agents != layout.n_agents:
                raise ConfigError(
                    f"{path.name} holds one network for each of {layout.n_agents} agents; "
                    f"--n-agents {config.n_agents} does not fit it"
                )
            agent: nn.Module = epymarl_ns.RNNNSAgent(*sizes, layout.n_agents, use_rnn=layout.recurrent)
            mac: type[MirrorController] = epymarl.NonSharedMAC
        elif layout.family == "pymarl2":
            if layout.agent == "rnn":
                agent = pymarl2.RNNAgent(*sizes)
            else:
                agent = pymarl2.NRNNAgent(*sizes, use_layer_norm=layout.layer_norm)
            mac = pymarl2.BasicMAC if layout.mac == "basic_mac" else pymarl2.NMAC
        elif layout.family == "epymarl":
            agent = epymarl.RNNAgent(*sizes, use_rnn=layout.recurrent)
            mac = epymarl.BasicMAC
        else:
            agent = pymarl.RNNAgent(*sizes)
            mac = pymarl.BasicMAC
        controller = mac(agent, config.n_agents, layout.n_actions, layout.units, output, masked)
        controller.recurrent = layout.recurrent
        agent.load_state_dict(self.state_dict, strict=True)
        return controller


def load_agent(
    path: str | Path, load_step: int | None = None, run_config: str | Path | None = None, agent: str | None = None
) -> LoadedAgent:
    """Find, read and check a checkpoint (file, step folder or run folder) and the run's settings.

    ``run_config`` is a ``config.json`` to read; without it one beside the checkpoint
    (in its step or run folder) is read if there is one.  ``agent`` (``rnn``,
    ``rnn_ns``, ``n_rnn``) overrides the config's ``agent``.
    """
    file, note = resolve_checkpoint(path, load_step)
    settings_path = Path(run_config) if run_config is not None else find_run_config(file)
    settings = read_run_config(settings_path) if settings_path is not None else RunSettings()
    if agent is not None and settings.agent is not None and agent != settings.agent:
        raise ConfigError(
            f"--run-agent {agent} conflicts with the run config {settings.path}, which says agent {settings.agent!r}"
        )
    sd = load_state_dict_file(file)
    layout = with_flavour(detect_layout(sd, file, agent or settings.agent), settings, agent)
    _check_settings(layout, settings, file)
    return LoadedAgent(file, layout, sd, settings, note)


def with_flavour(layout: Layout, settings: RunSettings, agent: str | None = None) -> Layout:
    """``layout`` as the run's config says it ran: which family, agent class and controller.

    The weights of PyMARL's, EPyMARL's and PyMARL2's ``rnn`` agents are alike; the
    config's own keys say which family wrote it, and its ``mac`` which controller.
    """
    name = agent or settings.agent
    family = layout.family
    if family == "seed":
        return layout
    if family == "pymarl" and settings.flavour in ("epymarl", "pymarl2"):
        family = settings.flavour
    if family == "pymarl2":
        name = name or ("n_rnn" if layout.layer_norm or settings.flavour != "pymarl2" else "rnn")
    elif family == "epymarl-ns":
        name = "rnn_ns"
    else:
        name = "rnn"
    mac = settings.mac or DEFAULT_MAC.get(name, "")
    known = KNOWN_MACS.get(family, ())
    if mac not in known:
        raise ConfigError(
            f"the run config {settings.path} says mac {mac!r}; hiddenscope mirrors {FAMILY_NAMES[family]}"
            f" with {' or '.join(known)}"
        )
    return dataclasses.replace(layout, family=family, agent=name, mac=mac)


# The controllers hiddenscope mirrors, per family.
KNOWN_MACS = {
    "seed": ("",),
    "pymarl": ("basic_mac",),
    "epymarl": ("basic_mac",),
    "epymarl-ns": ("non_shared_mac",),
    "pymarl2": ("basic_mac", "n_mac"),
}


def _check_settings(layout: Layout, settings: RunSettings, path: Path) -> None:
    where = f"the run config {settings.path}"
    if settings.hidden is not None and layout.family != "seed" and settings.hidden != layout.units:
        raise CheckpointError(f"{where} says {settings.hidden} hidden units, but {path} has {layout.units}")
    if settings.use_rnn is not None and settings.use_rnn != layout.recurrent:
        raise CheckpointError(
            f"{where} says use_rnn: {settings.use_rnn}, but {path}'s rnn is a"
            f" {'GRUCell' if layout.recurrent else 'Linear layer'}"
        )
    if settings.use_layer_norm is not None and settings.use_layer_norm != layout.layer_norm:
        raise CheckpointError(
            f"{where} says use_layer_norm: {settings.use_layer_norm}, but {path}"
            f" {'has' if layout.layer_norm else 'has no'} layer_norm weights"
        )


def checkpoint_factory(path: str | Path, config: Config, **options: Any) -> tuple[ModelFactory, Config]:
    """A model factory that loads ``path``, and ``config`` with the sizes the checkpoint fixes.

    The file is read and checked here, once; the factory builds a fresh module for
    whatever configuration the Stepper asks for and loads the weights into it with
    ``load_state_dict(strict=True)``.  ``options`` go to :func:`load_agent`.
    """
    loaded = load_agent(path, **options)
    config = config.replace(**loaded.fixed(), model=loaded.label)
    return loaded.build, config


def _check_inputs(config: Config, inputs: int, path: Path) -> None:
    if config.input_dim != inputs:
        raise ConfigError(f"{path.name} takes {inputs} inputs per agent; input size {config.input_dim} does not fit it")


def plugin_factory(spec: str) -> ModelFactory:
    """``package.module:factory``: import it and call ``factory(config)`` to build the model.

    This runs that module's code, as importing any Python module does: only name
    modules you trust.  The model must follow the protocol ``init_hidden(batch_size)``
    and ``forward(inputs, hidden_state) -> (output, hidden_state)``.
    """
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"--model must look like package.module:factory, got {spec!r}")
    here = os.getcwd()
    if here not in sys.path and "" not in sys.path:
        # ``python -m`` puts the current folder on the path; an installed console script does not.  At the end:
        # a file in the current folder never stands in for an installed module of the same name.
        sys.path.append(here)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise ConfigError(f"--model: cannot import {module_name!r} ({type(exc).__name__}: {first_line(exc)})") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ConfigError(f"--model: {module_name!r} has no callable {attr!r}")

    def build(config: Config) -> nn.Module:
        try:
            model = factory(config)
        except Exception as exc:
            raise ConfigError(f"--model: {spec}(config) failed: {type(exc).__name__}: {first_line(exc)}") from None
        if not isinstance(model, nn.Module) or not hasattr(model, "init_hidden"):
            raise ConfigError(f"--model: {spec}(config) must return an nn.Module with init_hidden and forward")
        return model

    return build
