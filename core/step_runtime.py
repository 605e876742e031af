"""What a step does differently on a GPU: its clock and its one wait for the device.

On CUDA a step's device-to-host copies are queued asynchronously into page-locked
history slots (see :class:`~hiddenscope.core.history.History`'s ``pin_memory``),
and :meth:`StepClock.finish` is the single synchronisation of the step: it waits
for the step's last queued work and reads the step's time from CUDA events.  On
the CPU the copies are done when they return and the clock is ``perf_counter``.
Everything keys off the device the stepper resolved from its configuration.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
import time
from collections.abc import Iterator

import torch
from torch.overrides import TorchFunctionMode


class StepClock:
    """Started when a step starts; :meth:`finish` waits for the device once and gives the step's milliseconds."""

    def __init__(self, device: torch.device) -> None:
        self._ms: float | None = None
        self.cuda = device.type == "cuda"
        if self.cuda:
            self.stream = torch.cuda.current_stream(device)
            self.start = torch.cuda.Event(enable_timing=True)
            self.end = torch.cuda.Event(enable_timing=True)
            self.start.record(self.stream)
        else:
            self.started = time.perf_counter()

    def pending(self) -> float | StepClock:
        """The step's milliseconds without waiting: on CUDA the clock itself, read (and waited for) later."""
        if self.cuda:
            self.end.record(self.stream)
            return self
        return self.finish()

    def elapsed(self) -> float:
        """The milliseconds of a step whose clock :meth:`pending` gave; waits for its end event (once)."""
        if self._ms is None:
            self.end.synchronize()
            self._ms = float(self.start.elapsed_time(self.end))
        return self._ms

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


# A step's GRU cells run in blocks of this many rows, one block per thread at a time, when the step
# has at least MIN_BLOCKED_ROWS rows (CPU only).  A whole cell over 1024 × 64 agents writes its
# 2 × 65,536 × 288 gate pre-activations (150 MB) out to memory and reads them back; blocks of 1,024
# rows keep them in cache.  benchmarks/cell_blocks.py, on the 2-core machine (seed model, 96 units,
# a step in blocks against whole, on Play's worker thread and on the main thread): 65,536 rows 38
# against 59 ms and 41 against 58; 32,768 rows 20 against 28 and 23 against 28; 16,384 rows 11
# against 12 but 14 against 11; fewer rows, the whole cell is as fast or faster on both.
CELL_BLOCK_ROWS = 1024
MIN_BLOCKED_ROWS = 32768


def cell_block_rows(device: torch.device, rows: int) -> int | None:
    """How many rows at a time a step over ``rows`` rows runs its GRU cells in; ``None``: all at once."""
    return CELL_BLOCK_ROWS if device.type == "cpu" and rows >= MIN_BLOCKED_ROWS else None


_pools_lock = threading.Lock()
_pools: dict[int, concurrent.futures.ThreadPoolExecutor] = {}


def _block_pool(size: int) -> concurrent.futures.ThreadPoolExecutor:
    """``size`` helper threads that take blocks beside the calling thread (made once for each size, kept)."""
    with _pools_lock:
        pool = _pools.get(size)
        if pool is None:
            pool = _pools[size] = concurrent.futures.ThreadPoolExecutor(size, thread_name_prefix="hiddenscope-cells")
        return pool


class CellBlocks(TorchFunctionMode):
    """Runs ``torch.gru_cell`` over ``rows`` rows at a time on ``threads`` threads, the rest of the model as it is.

    Each row of a GRU cell depends on that row alone, and each block runs on one torch thread,
    so the result is the whole cell's on one torch thread, to the bit (the tests check it).  The
    whole cell split over two threads may round one row at the split differently (seen at odd
    row counts), so a step in blocks need not match one split over threads; Step, Play and
    re-runs all use the same blocks and agree.  The calling thread and ``threads - 1`` helpers
    each take the next block until none is left.  They share no barrier: when the window's
    thread takes a core, the others take more blocks.  (Blocks each split over OpenMP's threads
    were slower: each waits for its slowest thread, and on Play's worker thread OpenMP woke its
    helper from sleep at every block: 51 against 40 ms a step.)

    Only the cell is split, inside the call: a trace still sees one ``gru_cell`` over every
    row, with its true shapes.  Enter it outside a trace's
    :class:`~hiddenscope.core.trace.Recorder`, so that the recorder sees the whole call and
    this mode the one below it; the blocks reach no mode.  Off while autograd records.
    """

    def __init__(self, rows: int, threads: int = 1) -> None:
        super().__init__()
        self.rows = rows
        self.threads = max(1, threads)
        self.calls = 0  # cells run in blocks (the tests check it)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func is not torch.gru_cell or kwargs or torch.is_grad_enabled():
            return func(*args, **(kwargs or {}))
        x, hx, *weights = args
        n, r = x.shape[0], self.rows
        if x.dim() != 2 or hx is None or hx.dim() != 2 or hx.shape[0] != n or n < r + r // 2:
            return func(*args)  # as it is; a misfit fails there with PyTorch's own message
        with torch_threads(1):  # the first block alone: a cell that does not fit its inputs fails here
            first = func(x[:r], hx[:r], *weights)
        out = first.new_empty((n, *first.shape[1:]))
        out[:r] = first
        # The last block takes a remainder shorter than half a block: a kernel may sum a very few rows
        # another way (1 to 3 rows did on the 2-core machine), and then they would not be the whole call's bits.
        bounds = list(range(r, n, r))
        if len(bounds) > 1 and n - bounds[-1] < r // 2:
            bounds.pop()
        blocks = iter(zip(bounds, [*bounds[1:], n], strict=True))
        take = threading.Lock()
        failed = threading.Event()

        def work() -> None:
            with torch_threads(1), torch.no_grad():
                while not failed.is_set():
                    with take:
                        block = next(blocks, None)
                    if block is None:
                        return
                    start, end = block
                    try:
                        out[start:end] = func(x[start:end], hx[start:end], *weights)
                    except BaseException:
                        failed.set()  # the others stop at their next block
                        raise

        helpers: list[concurrent.futures.Future[None]] = []
        if self.threads > 1:
            pool = _block_pool(self.threads - 1)
            for _ in range(self.threads - 1):
                try:
                    helpers.append(pool.submit(work))
                except RuntimeError:  # the interpreter is shutting down: this thread takes the blocks left
                    break
        try:
            work()
        finally:
            concurrent.futures.wait(helpers)  # none is left writing into ``out``
        for helper in helpers:
            helper.result()
        self.calls += 1
        return out


@contextlib.contextmanager
def cell_blocks(rows: int | None, threads: int | None = 1) -> Iterator[None]:
    """Inside, GRU cells run ``rows`` rows at a time on ``threads`` threads (:class:`CellBlocks`); ``None``: whole."""
    if rows is None:
        yield
        return
    with CellBlocks(rows, threads or 1):
        yield
