"""What a step does differently on a GPU: its clock and its one wait for the device.

On CUDA a step's device-to-host copies are queued asynchronously into page-locked
history slots (see :class:`~hiddenscope.core.history.History`'s ``pin_memory``),
and :meth:`StepClock.finish` is the single synchronisation of the step: it waits
for the step's last queued work and reads the step's time from CUDA events.  On
the CPU the copies are done when they return and the clock is ``perf_counter``.
Everything keys off the device the stepper resolved from its configuration.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import torch


class StepClock:
    """Started when a step starts; :meth:`finish` waits for the device once and gives the step's milliseconds."""

    def __init__(self, device: torch.device) -> None:
        self.cuda = device.type == "cuda"
        if self.cuda:
            self.stream = torch.cuda.current_stream(device)
            self.start = torch.cuda.Event(enable_timing=True)
            self.end = torch.cuda.Event(enable_timing=True)
            self.start.record(self.stream)
        else:
            self.started = time.perf_counter()

    def finish(self) -> float:
        """Wait until everything the step queued on the device is done; its time in milliseconds."""
        if self.cuda:
            self.end.record(self.stream)
            self.end.synchronize()  # the step's one synchronisation
            return float(self.start.elapsed_time(self.end))
        return (time.perf_counter() - self.started) * 1000.0


def layout_of(tensor: torch.Tensor) -> tuple[tuple[int, ...], tuple[int, ...], int, int]:
    """How ``tensor`` lies in memory: ``(shape, stride, storage offset, elements in its storage)``."""
    storage = tensor.untyped_storage().nbytes() // max(1, tensor.element_size())
    return tuple(tensor.shape), tuple(tensor.stride()), int(tensor.storage_offset()), storage


def lay_out(values: torch.Tensor, layout: tuple[tuple[int, ...], tuple[int, ...], int, int]) -> torch.Tensor:
    """A tensor holding ``values`` (in logical order) laid out as ``layout`` says, on ``values``' device and dtype.

    A view over a larger storage, or one with stride 0 (``expand``), comes back the same
    way: a re-run from history then reads memory shaped as the live step's did.
    Elements of the storage that the view does not show are zeros.
    """
    shape, stride, offset, size = layout
    base = torch.zeros(size, dtype=values.dtype, device=values.device)
    where = torch.arange(size, device=values.device).as_strided(shape, stride, offset)
    base[where.reshape(-1)] = values.reshape(-1)
    return base.as_strided(shape, stride, offset)


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Inside, the calling thread runs torch's CPU kernels on ``n`` threads (``None``: as it is); then as before.

    torch keeps the count per OS thread, and a CPU kernel split over another number of
    threads may round its sums differently in the last bit: running a model's steps on
    one count wherever they run (Step on the window's thread, Play on its worker) gives
    the same bits.  Setting and restoring the count costs well under a microsecond.
    """
    before = torch.get_num_threads()
    if n is None or n == before:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
