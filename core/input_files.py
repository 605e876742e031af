"""Agent inputs read from a file: ``.npy``, ``.npz`` or ``.pt`` arrays of shape
``(T, batch, n_agents, input)`` or ``(T, n_agents, input)`` (one batch row).

Loading never runs code from the file (``allow_pickle=False``,
``weights_only=True``).  NaN and Inf are allowed, and counted, so that the app
can say so and draw them; they pass through the model as they would in training.
"""

from __future__ import annotations

import os
import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .checkpoint import refused_global, torch_load_reason
from .config import Config
from .errors import FileProblem
from .files import check_readable_file

SUFFIXES = (".npy", ".npz", ".pt")


class ArrayInputs:
    """An input source over a ``(T, batch, n_agents, input)`` array; step ``t`` reads frame ``t mod T``."""

    def __init__(self, frames: np.ndarray, name: str = "array") -> None:
        self.frames = frames
        self.shape = frames.shape[1:]
        self.name = name
        self.nonfinite_count = int(np.size(frames) - np.count_nonzero(np.isfinite(frames)))

    def describe(self) -> str:
        return f"file: {self.name}, {self.frames.shape[0]} steps (then from the start again)"

    def inputs(self, t: int) -> np.ndarray:
        return self.frames[t % self.frames.shape[0]]


MAX_INPUT_BYTES = 4 * 2**30  # an input file unpacking to more is refused before it is read


def input_bytes_allowed() -> int:
    """The most an input file may unpack to: 4 GiB, or half the machine's memory where that is less."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return MAX_INPUT_BYTES
    return min(MAX_INPUT_BYTES, physical // 2)


def _check_unpacked_size(path: Path) -> None:
    """Refuse an archive (``.npz``, or a ``.pt``'s zip) that unpacks to more than :func:`input_bytes_allowed`.

    The sizes come from the archive's directory, read before anything is unpacked: a small file
    that declares gigabytes (a deflate bomb) is refused without taking the memory.
    """
    if path.suffix.lower() == ".npy":
        _check_npy_size(path)
        return
    if not zipfile.is_zipfile(path):
        return
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileProblem(f"input file {path} is a damaged archive ({exc})") from None
    allowed = input_bytes_allowed()
    if unpacked > allowed:
        raise FileProblem(
            f"input file {path} unpacks to {unpacked / 2**30:.1f} GiB, more than the {allowed / 2**30:.1f} GiB"
            " an input file may take here; nothing was read"
        )


def _check_npy_size(path: Path) -> None:
    """Refuse a ``.npy`` whose header declares more numbers than the file holds (or than it may take)."""
    try:
        with open(path, "rb") as f:
            major, _minor = np.lib.format.read_magic(f)
            read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
            shape, _fortran, dtype = read_header(f)
            body = path.stat().st_size - f.tell()
    except (ValueError, OSError):
        return  # not a readable header: the read below says what it is
    declared = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
    if declared > body:
        raise FileProblem(
            f"input file {path} is corrupted, truncated or not a .npy array: its header declares {declared:,} bytes,"
            f" it holds {body:,}"
        )
    if declared > input_bytes_allowed():
        raise FileProblem(f"input file {path} holds {declared / 2**30:.1f} GiB, more than an input file may take here")


def load_frames(path: str | Path) -> np.ndarray:
    """Read the array, as float32 ``(T, batch, n_agents, input)``, or say exactly why not."""
    path = check_readable_file(path, "input file")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise FileProblem(f"input file {path}: use .npy, .npz or .pt, not {path.suffix or 'no extension'}")
    _check_unpacked_size(path)
    try:
        data = _read(path, suffix)
    except FileProblem:
        raise
    except pickle.UnpicklingError as exc:
        if refused_global(exc) is None:
            raise FileProblem(
                f"input file {path} is corrupted, truncated or not a {suffix} array ({torch_load_reason(exc)})"
            ) from None
        raise FileProblem(
            f"input file {path} holds Python objects, not only arrays; it was refused and nothing in it was run"
        ) from None
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise FileProblem(
                f"input file {path} holds Python objects, not only numbers; it was refused and nothing in it was run"
            ) from None
        raise FileProblem(
            f"input file {path} is corrupted, truncated or not a {suffix} array ({torch_load_reason(exc)})"
        ) from None
    except Exception as exc:
        raise FileProblem(
            f"input file {path} is corrupted, truncated or not a {suffix} array ({torch_load_reason(exc)})"
        ) from None
    array = np.asarray(data)
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise FileProblem(f"input file {path} holds {array.dtype} values; inputs must be real numbers")
    if array.ndim == 3:
        array = array[:, None]  # (T, n_agents, input): one batch row
    if array.ndim != 4:
        raise FileProblem(
            f"input file {path} has shape {tuple(np.shape(data))};"
            " expected (T, batch, n_agents, input) or (T, n_agents, input)"
        )
    if 0 in array.shape:
        raise FileProblem(f"input file {path} has shape {tuple(np.shape(data))}, with an empty axis")
    return np.ascontiguousarray(array, dtype=np.float32)


def _read(path: Path, suffix: str) -> Any:
    """The raw array (or tensor) in the file; NumPy files are told apart by content, not suffix."""
    if suffix == ".pt":
        data = torch.load(path, map_location="cpu", weights_only=True)
        if isinstance(data, dict):
            data = data.get("inputs")
        if not isinstance(data, torch.Tensor):
            raise FileProblem(f"input file {path} must hold a tensor (or a dict with an 'inputs' tensor)")
        if data.is_complex():
            raise FileProblem(f"input file {path} holds {data.dtype} values; inputs must be real numbers")
        return data.detach().to(torch.float32).numpy()
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic != b"\x93NUMPY" and not magic.startswith(b"PK"):
        # np.load would take anything else for a pickle (and refuse it); say what it really is.
        raise FileProblem(f"input file {path} is corrupted, truncated or not a NumPy file (no .npy or .npz header)")
    loaded = np.load(path, allow_pickle=False)
    if isinstance(loaded, np.ndarray):
        return loaded
    with loaded as archive:  # an .npz archive: the "inputs" array, else the first one
        if not archive.files:
            raise FileProblem(f"input file {path} holds no arrays")
        return archive["inputs"] if "inputs" in archive.files else archive[archive.files[0]]


def file_inputs_factory(path: str | Path, config: Config) -> tuple[Callable[[Config], ArrayInputs], Config]:
    """An input factory over the file and ``config`` with the batch, agents and input size it fixes."""
    path = Path(path)
    frames = load_frames(path)
    _, batch, n_agents, inputs = frames.shape
    source = ArrayInputs(frames, path.name)

    def build(c: Config) -> ArrayInputs:
        expected = (c.batch_size, c.n_agents, c.input_dim)
        if expected != source.shape:
            names = ("batch", "n_agents", "input")
            diffs = [
                f"{n} {have} (the model wants {want})"
                for n, have, want in zip(names, source.shape, expected, strict=True)
                if have != want
            ]
            raise FileProblem(f"input file {path.name} has {', '.join(diffs)}")
        return source

    return build, config.replace(batch_size=batch, n_agents=n_agents, input_dim=inputs)
