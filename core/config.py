"""The configuration of a hiddenscope session, its validation and the device it runs on."""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass

import torch

from .errors import ConfigError, DeviceError

DTYPES = {"float32": torch.float32, "float64": torch.float64}

# Guard rails that stop a typo (an extra zero or three) before it allocates.
MAX_SIZE = 1_000_000


def units_for(hidden_dim: int) -> int:
    """The GRU size the seed derives from ``_hidden_dim``: ``hidden_dim // 4 * 3``."""
    return hidden_dim // 4 * 3


@dataclass(frozen=True)
class Config:
    """Everything that decides the model and its numbers.

    ``hidden_dim`` is the agent's ``_hidden_dim``; the GRU has ``units``
    (``hidden_dim // 4 * 3``) units.  The same config gives the same numbers.
    """

    batch_size: int = 32
    n_agents: int = 5
    hidden_dim: int = 128
    input_dim: int = 16
    seed: int = 0
    device: str = "auto"
    dtype: str = "float32"
    model: str = ""  # what the model is, when it is not the seed's own (set by a checkpoint or plug-in)
    # Which agent code runs: "seed" (the note's CondAgent, whose GRU has hidden_dim // 4 * 3 units),
    # "pymarl", "epymarl", "epymarl-ns", "pymarl2" (hidden_dim is then the GRU's own size) or "plugin".
    family: str = "seed"
    n_actions: int = 0  # the agent's outputs per agent, when they are Q-values or a policy (0: none)
    agent_output: str = "q"  # "q" (Q-values) or "pi_logits" (a policy, softmaxed by the controller)
    # Episodes in a live environment (env = "" for inputs from a pattern or a file).
    env: str = ""
    env_options: tuple[tuple[str, str], ...] = ()
    obs_last_action: bool = False  # inputs carry the one-hot of each agent's last action
    obs_agent_id: bool = False  # inputs carry each agent's one-hot id
    actions: str = "greedy"  # "greedy" (argmax) or "sample" (from a policy)
    actions_from: str = ""  # who chose ``actions``: --actions, the run's action_selector, or "" (the default)
    # After an episode's last action, one more step on its terminal observation (the action is not taken),
    # as the families' runners do; False: the next episode's first observation comes right after.
    terminal_step: bool = True
    # A recording from a user's own loop (family "recorded") that was given no inputs keeps a placeholder of
    # width 1 in their place: False says so.
    inputs_recorded: bool = True

    def __post_init__(self) -> None:
        # From JSON (an export's config) the options come back as lists; keep them hashable pairs.
        if not isinstance(self.env_options, tuple) or any(not isinstance(p, tuple) for p in self.env_options):
            object.__setattr__(self, "env_options", tuple(tuple(p) for p in self.env_options))

    @property
    def units(self) -> int:
        return units_for(self.hidden_dim) if self.family == "seed" else self.hidden_dim

    @property
    def rows(self) -> int:
        """How many GRU rows one step computes: ``batch_size * n_agents``."""
        return self.batch_size * self.n_agents

    def replace(self, **changes: object) -> Config:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def label(self) -> str:
        sizes = f"hidden {self.hidden_dim} → {self.units} units · " if not self.model else f"{self.model} · "
        env = f" · env {self.env}" if self.env else ""
        if self.family == "recorded":  # a user's own loop: no seed of ours ran it, and maybe no inputs were given
            inputs = f" · input {self.input_dim}" if self.inputs_recorded else ""
            model = self.model or "recorded"
            return f"batch {self.batch_size} · {self.n_agents} agents · {model} · {self.hidden_dim} units{inputs}"
        return (
            f"batch {self.batch_size} · {self.n_agents} agents · {sizes}input {self.input_dim}{env} · seed {self.seed}"
        )

    def validate(self) -> Config:
        """Raise :class:`ConfigError` naming the first value that cannot work."""
        for name in ("batch_size", "n_agents", "hidden_dim", "input_dim"):
            value = getattr(self, name)
            flag = "--" + name.replace("_", "-")
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{flag} must be a whole number, got {value!r}")
            if value < 1:
                raise ConfigError(f"{flag} must be at least 1, got {value}")
            if value > MAX_SIZE:
                raise ConfigError(f"{flag} {value} is larger than hiddenscope allows ({MAX_SIZE:,})")
        if self.family == "seed" and self.units < 1:
            raise ConfigError(
                f"--hidden-dim {self.hidden_dim} gives {self.hidden_dim} // 4 * 3 = {self.units} GRU units;"
                " use --hidden-dim 4 or more"
            )
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or not 0 <= self.seed < 2**63:
            raise ConfigError(f"--seed must be a whole number from 0 to 2**63-1, got {self.seed!r}")
        if self.actions not in ("greedy", "sample"):
            raise ConfigError(f"--actions must be greedy or sample, got {self.actions!r}")
        if self.dtype not in DTYPES:
            raise ConfigError(f"--dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}")
        parse_device(self.device)
        return self


_DEVICE_RE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def parse_device(spec: str) -> str:
    """Check the spelling of a device; raise :class:`DeviceError` for anything unknown."""
    if not isinstance(spec, str) or not _DEVICE_RE.match(spec.strip().lower()):
        raise DeviceError(f"unknown device {spec!r}: use auto, cpu, cuda or cuda:N")
    return spec.strip().lower()


def available_devices() -> list[str]:
    """The devices that exist on this machine, CPU first."""
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    return devices


def resolve_device(spec: str) -> torch.device:
    """Turn ``auto``/``cpu``/``cuda``/``cuda:N`` into a device that really exists."""
    spec = parse_device(spec)
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if spec == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise DeviceError(
            f"device {spec!r} was asked for, but this machine has no usable CUDA GPU"
            " (torch.cuda.is_available() is False); use --device cpu or --device auto"
        )
    index = int(spec.split(":")[1]) if ":" in spec else 0
    count = torch.cuda.device_count()
    if index >= count:
        raise DeviceError(
            f"device {spec!r} does not exist: this machine has {count} CUDA device(s), cuda:0 to cuda:{count - 1}"
        )
    return torch.device("cuda", index)


def step_bytes(config: Config) -> int:
    """A generous estimate of the memory one step needs (model, activations, host copies)."""
    item = torch.finfo(DTYPES.get(config.dtype, torch.float32)).bits // 8
    rows = config.rows
    weights = 3 * config.units * (config.input_dim + config.units + 2)
    activations = rows * (2 * config.input_dim + 12 * config.units)
    return item * (weights + activations)


def free_memory_bytes(device: torch.device) -> int:
    """Memory that is free now on ``device`` (host RAM for the CPU)."""
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")


def check_fits(config: Config, device: torch.device, free: int | None = None) -> None:
    """Refuse, before allocating anything, a configuration that would not fit in memory."""
    need = step_bytes(config)
    free = free_memory_bytes(device) if free is None else free
    if need > free // 2:
        raise ConfigError(
            f"batch {config.batch_size} × {config.n_agents} agents × {config.units} units needs about"
            f" {format_bytes(need)} per step on {device}, but only {format_bytes(free)} is free;"
            " choose a smaller batch size or fewer agents"
        )


def format_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} TiB"
