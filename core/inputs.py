"""Where each timestep's agent inputs come from.

An input source is anything with ``shape`` ``(batch, n_agents, input_dim)`` and
``inputs(t)`` returning a float32 NumPy array of that shape for timestep ``t``.
The same ``t`` always gives the same array, so stepping back and replaying,
or resetting, shows the same numbers.
"""

from __future__ import annotations

import numpy as np
import torch

from .step_runtime import torch_threads

TORCH_FROM = 1 << 16  # inputs with at least this many numbers are built with PyTorch's kernels
BLOCK_STEPS = 64  # the most timesteps built together
BLOCK_BYTES = 1 << 20  # and at most this much of them


class PatternInputs:
    """Signals a person can tell apart: each agent its own phase, plus its one-hot id.

    Channel ``k`` of agent ``a`` in batch row ``b`` carries
    ``amplitude · sin(2π t / period_k + 2π a / n_agents + 0.4 b)`` with a period that grows
    with ``k``; when there is room (``input_dim >= 2 * n_agents``) the last
    ``n_agents`` channels hold the agent's one-hot id.  Seeded noise (σ ≈ 0.1,
    one draw per batch row and agent plus one per agent and channel, so it stays
    cheap at a million inputs) keeps batch rows from being exact copies.  The amplitude (3 by
    default) is large enough to move a freshly initialised GRU's units well
    away from zero, so the heatmaps show structure rather than a grey wash.
    """

    def __init__(
        self, batch_size: int, n_agents: int, input_dim: int, seed: int = 0, noise: float = 0.1, amplitude: float = 3.0
    ) -> None:
        self.shape = (batch_size, n_agents, input_dim)
        self.seed = seed
        self.noise = noise
        self.amplitude = np.float32(amplitude)
        id_channels = n_agents if input_dim >= 2 * n_agents else 0
        wave_channels = input_dim - id_channels
        self._omega = (2 * np.pi / (6.0 + 3.0 * np.arange(wave_channels))).astype(np.float32)
        phase = 2 * np.pi * np.arange(n_agents)[:, None] / n_agents * (1 + np.arange(wave_channels))[None, :] / 2
        rows = 0.4 * np.arange(batch_size)
        full_phase = phase[None, :, :] + rows[:, None, None]
        # sin(a + ωt) = sin a · cos ωt + cos a · sin ωt: two products a step instead of a sine per input.
        self._sin_phase = np.sin(full_phase).astype(np.float32)
        self._cos_phase = np.cos(full_phase).astype(np.float32)
        self._ids = np.zeros((1, n_agents, id_channels), np.float32)
        if id_channels:
            self._ids[0, np.arange(n_agents), np.arange(n_agents)] = 1.0
        self._waves = wave_channels
        # Steps are built BLOCK_BYTES at a time (at most BLOCK_STEPS): one set of NumPy calls for many steps.
        step_bytes = 4 * batch_size * n_agents * input_dim
        self._block = max(1, min(BLOCK_STEPS, BLOCK_BYTES // max(1, step_bytes)))
        self._block_start = -1
        self._block_values = np.empty((0, *self.shape), np.float32)
        self._tensor_key: tuple[int, torch.device, torch.dtype] | None = None  # the block on a device (tensor())
        self._tensor_block = torch.empty(0)

    def describe(self) -> str:
        return "pattern: per-agent phase-shifted sines + one-hot id + noise"

    def inputs(self, t: int) -> np.ndarray:
        """Timestep ``t``'s inputs, a fresh float32 array: one of the block of steps built with it."""
        start = self._block_of(t)
        return self._block_values[t - start].copy()

    def _block_of(self, t: int) -> int:
        """The first timestep of ``t``'s block, the block built (and kept) if it is not the one held."""
        start = t - t % self._block
        if start != self._block_start:
            self._block_values = self._build(start)
            self._block_start = start
        return start

    def tensor(self, t: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        """Timestep ``t``'s inputs as a tensor on ``device``: the block is copied there once, then indexed.

        On a GPU a step then reads inputs already on the device instead of copying each step's
        from pageable host memory, a copy that makes the host wait for the device's queued work.
        """
        start = t - t % self._block
        key = (start, device, dtype)
        if self._tensor_key != key:
            self._block_of(t)
            self._tensor_block = torch.from_numpy(self._block_values).to(device=device, dtype=dtype)
            self._tensor_key = key
        # A step's own tensor (a device-side copy), so that a trace shows its storage, not the block's.
        return self._tensor_block[t - start].clone()

    def _build(self, start: int) -> np.ndarray:
        """The inputs of the ``block`` timesteps from ``start``, built together: ``(block, batch, n_agents, dim)``.

        Per step it is the same float32 products and sums in the same order, so a block's step
        has the bits a step built alone would; the noise of a block is drawn from one generator
        seeded with ``(seed, start)``, so the same ``t`` always gives the same numbers.
        """
        batch, n_agents, _input_dim = self.shape
        count = self._block
        out = np.empty((count, *self.shape), np.float32)
        angle = self._omega[None, :] * np.arange(start, start + count, dtype=np.float64)[:, None]
        cos_t = (np.cos(angle) * self.amplitude).astype(np.float32)[:, None, None, :]
        sin_t = (np.sin(angle) * self.amplitude).astype(np.float32)[:, None, None, :]
        noise: tuple[np.ndarray, ...] = ()  # one draw per batch row and agent, then one per agent and channel
        if self.noise:
            rng = np.random.default_rng((self.seed, start))
            scale = np.float32(self.noise / np.sqrt(2))
            noise = tuple(
                scale * rng.standard_normal(shape, dtype=np.float32)
                for shape in ((count, batch, n_agents, 1), (count, 1, n_agents, self._waves))
            )
        # NumPy is quicker for small inputs, PyTorch's kernels for large ones; the same bits either way.  On one
        # thread: Play builds a step's inputs while the window draws the last step, and a kernel split over both
        # cores of a two-core machine waits for the window's thread (measured in Play at 1024 × 64 × 96: two
        # threads made the frame 2–3 ms slower).
        lib = torch if out.size >= TORCH_FROM else np
        take = torch.from_numpy if lib is torch else np.asarray
        with torch_threads(1 if lib is torch else None):
            waves = take(out)[..., : self._waves]
            lib.multiply(take(self._sin_phase[None]), take(cos_t), out=waves)
            waves += take(self._cos_phase[None]) * take(sin_t)
            for part in noise:
                waves += take(part)
        out[..., self._waves :] = self._ids
        return out
