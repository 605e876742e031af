"""Loading trained agents safely: PyMARL/EPyMARL ``RNNAgent`` checkpoints, the seed model's own
``state_dict``, ``.safetensors`` files, and plug-in models named on the command line.

Nothing is ever unpickled beyond plain tensors: ``.th``/``.pt``/``.pth`` files go
through ``torch.load(..., weights_only=True)``, which refuses any pickled code or
object, and ``.safetensors`` files hold tensors only.  Every problem is a
:class:`~hiddenscope.core.errors.CheckpointError` that names the file and what is
wrong with it (which key, which shape).
"""

from __future__ import annotations

import importlib
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .config import Config, units_for
from .errors import CheckpointError, ConfigError
from .files import check_readable_file
from .model import CondAgent

SUFFIXES = (".th", ".pt", ".pth", ".safetensors")
PYMARL_KEYS = (
    "fc1.weight",
    "fc1.bias",
    "rnn.weight_ih",
    "rnn.weight_hh",
    "rnn.bias_ih",
    "rnn.bias_hh",
    "fc2.weight",
    "fc2.bias",
)
SEED_KEYS = ("cond_rnn.f.weight_ih", "cond_rnn.f.weight_hh", "cond_rnn.f.bias_ih", "cond_rnn.f.bias_hh")

ModelFactory = Callable[[Config], nn.Module]


class PyMARLAgent(nn.Module):
    """The layout of PyMARL's ``RNNAgent``: ``fc1`` → ReLU → ``GRUCell`` → ``fc2`` (Q-values)."""

    def __init__(self, input_shape: int, rnn_hidden_dim: int, n_actions: int) -> None:
        super().__init__()
        self.rnn_hidden_dim = rnn_hidden_dim
        self.fc1 = nn.Linear(input_shape, rnn_hidden_dim)
        self.rnn = nn.GRUCell(rnn_hidden_dim, rnn_hidden_dim)
        self.fc2 = nn.Linear(rnn_hidden_dim, n_actions)

    def init_hidden(self) -> torch.Tensor:
        return self.fc1.weight.new(1, self.rnn_hidden_dim).zero_()

    def forward(self, inputs: torch.Tensor, hidden_state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = F.relu(self.fc1(inputs))
        h_in = hidden_state.reshape(-1, self.rnn_hidden_dim)
        h = self.rnn(x, h_in)
        q = self.fc2(h)
        return q, h


class PyMARLController(nn.Module):
    """Drives a :class:`PyMARLAgent` the way PyMARL's ``BasicMAC`` does, behind hiddenscope's protocol."""

    def __init__(self, agent: PyMARLAgent, n_agents: int) -> None:
        super().__init__()
        self.agent = agent
        self.n_agents = n_agents

    def init_hidden(self, batch_size: int) -> torch.Tensor:
        return self.agent.init_hidden().unsqueeze(0).expand(batch_size, self.n_agents, -1)

    def forward(self, inputs: torch.Tensor, hidden_state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        batch_size = inputs.shape[0]
        agent_inputs = inputs.reshape(batch_size * self.n_agents, -1)
        agent_outs, hidden_state = self.agent(agent_inputs, hidden_state)
        return agent_outs.view(batch_size, self.n_agents, -1), hidden_state


def load_state_dict_file(path: str | Path) -> dict[str, torch.Tensor]:
    """Read a ``state_dict`` without running any code from the file."""
    path = check_readable_file(path, "checkpoint", CheckpointError)
    if path.suffix.lower() == ".safetensors":
        try:
            from safetensors.torch import load_file

            data: Any = load_file(str(path), device="cpu")
        except Exception as exc:  # noqa: BLE001 - any failure means the file is not usable
            raise CheckpointError(f"checkpoint {path} is not a valid .safetensors file ({_first_line(exc)})") from None
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
        except Exception as exc:  # noqa: BLE001 - damaged bytes surface as many exception types; none ran code
            raise CheckpointError(
                f"checkpoint {path} is corrupted, truncated or not a PyTorch file ({torch_load_reason(exc)})"
            ) from None
    return _as_state_dict(data, path)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


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
    return _first_line(exc)


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


def describe_pymarl(sd: dict[str, torch.Tensor], path: Path) -> tuple[int, int, int]:
    """``(input size, hidden size, n_actions)`` of a PyMARL ``RNNAgent`` state_dict, after checking every shape.

    The sizes are read off ``fc1.weight`` (hidden × input) and ``fc2.weight``
    (actions × hidden); every other tensor must agree with them.
    """
    hidden, inputs = _matrix(sd, path, "fc1.weight")
    actions = _matrix(sd, path, "fc2.weight")[0]
    for key, shape in (
        ("fc1.weight", (hidden, inputs)),
        ("fc1.bias", (hidden,)),
        ("rnn.weight_ih", (3 * hidden, hidden)),
        ("rnn.weight_hh", (3 * hidden, hidden)),
        ("rnn.bias_ih", (3 * hidden,)),
        ("rnn.bias_hh", (3 * hidden,)),
        ("fc2.weight", (actions, hidden)),
        ("fc2.bias", (actions,)),
    ):
        _expect(sd, path, key, shape)
    return inputs, hidden, actions


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


def detect_kind(state_dict: dict[str, torch.Tensor], path: str | Path = "checkpoint") -> str:
    """``"pymarl"`` or ``"seed"``: which model ``state_dict`` belongs to, after checking every key and shape.

    A PyMARL/EPyMARL ``RNNAgent`` has exactly ``fc1``, ``rnn`` (a GRUCell) and ``fc2``;
    the seed agent has exactly ``cond_rnn.f`` (a GRUCell).  Anything else, a key
    too many or too few, a shape that does not fit the others, or weights that are
    not floating point, is a :class:`CheckpointError` naming the key (``path`` is
    only used in the message).
    """
    path = Path(path)
    for kind, keys, describe in (("pymarl", PYMARL_KEYS, describe_pymarl), ("seed", SEED_KEYS, describe_seed)):
        if all(k in state_dict for k in keys):
            extra = sorted(k for k in state_dict if k not in keys)
            if extra:
                shown = ", ".join(extra[:6]) + (", …" if len(extra) > 6 else "")
                name = "a PyMARL RNNAgent" if kind == "pymarl" else "the seed agent"
                raise CheckpointError(
                    f"checkpoint {path} looks like {name} but also has {shown}, which that model does not have"
                    " (hiddenscope reads the plain layout only)"
                )
            for key in keys:
                if not state_dict[key].is_floating_point():
                    raise CheckpointError(
                        f"checkpoint {path}: {key} holds {str(state_dict[key].dtype).removeprefix('torch.')} values;"
                        " weights must be floating point"
                    )
            describe(state_dict, path)
            return kind
    found = ", ".join(sorted(state_dict)[:6]) + (", …" if len(state_dict) > 6 else "")
    missing = ""
    for name, keys in (("a PyMARL RNNAgent", PYMARL_KEYS), ("the seed agent", SEED_KEYS)):
        have = [k for k in keys if k in state_dict]
        if have:
            missing = f"; as {name} it lacks {', '.join(k for k in keys if k not in state_dict)}"
            break
    raise CheckpointError(
        f"checkpoint {path} is neither a PyMARL RNNAgent (needs {', '.join(PYMARL_KEYS)}) nor the seed agent"
        f" (needs {', '.join(SEED_KEYS)}); it has {found}{missing}"
    )


def checkpoint_factory(path: str | Path, config: Config) -> tuple[ModelFactory, Config]:
    """A model factory that loads ``path``, and ``config`` with the sizes the checkpoint fixes.

    The file is read and checked here, once; the factory builds a fresh module for
    whatever configuration the Stepper asks for and loads the weights into it with
    ``load_state_dict(strict=True)``.  Batch size, agents, seed and device stay as
    ``config`` has them; the input size (and, for the seed agent, ``hidden_dim``)
    become the checkpoint's.
    """
    path = Path(path)
    sd = load_state_dict_file(path)
    kind = detect_kind(sd, path)
    if kind == "pymarl":
        inputs, hidden, actions = describe_pymarl(sd, path)
        config = config.replace(
            input_dim=inputs, model=f"PyMARL RNNAgent {path.name} ({hidden} units, {actions} actions)"
        )

        def build_pymarl(c: Config) -> nn.Module:
            _check_inputs(c, inputs, path)
            agent = PyMARLAgent(inputs, hidden, actions)
            agent.load_state_dict(sd, strict=True)
            return PyMARLController(agent, c.n_agents)

        return build_pymarl, config
    inputs, hidden_dim = describe_seed(sd, path)
    config = config.replace(input_dim=inputs, hidden_dim=hidden_dim, model=f"seed agent {path.name}")

    def build_seed(c: Config) -> nn.Module:
        _check_inputs(c, inputs, path)
        if units_for(c.hidden_dim) != units_for(hidden_dim):
            raise ConfigError(
                f"{path.name} has {units_for(hidden_dim)} GRU units; hidden dim {c.hidden_dim} does not fit it"
            )
        model = CondAgent(inputs, c.n_agents, hidden_dim)
        model.load_state_dict(sd, strict=True)
        return model

    return build_seed, config


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
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - an import can fail in many ways; all are the user's to fix
        raise ConfigError(
            f"--model: cannot import {module_name!r} ({type(exc).__name__}: {_first_line(exc)})"
        ) from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ConfigError(f"--model: {module_name!r} has no callable {attr!r}")

    def build(config: Config) -> nn.Module:
        try:
            model = factory(config)
        except Exception as exc:  # noqa: BLE001
            raise ConfigError(f"--model: {spec}(config) failed: {type(exc).__name__}: {_first_line(exc)}") from None
        if not isinstance(model, nn.Module) or not hasattr(model, "init_hidden"):
            raise ConfigError(f"--model: {spec}(config) must return an nn.Module with init_hidden and forward")
        return model

    return build
