"""What compression costs a live session recording: none vs lzf vs gzip, against np.savez.

    python benchmarks/session_write.py [--steps 200]

The frames are real: the seed model is stepped to get hidden states, inputs and
outputs as a recording sees them (GRU states in [-1, 1] vary in every bit of
their mantissa, so they compress poorly).  Each way of writing writes the same
frames one step at a time into a chunked, resizable HDF5 dataset (a chunk per
step, as :mod:`hiddenscope.core.session` does at these sizes; ``session_chunks.py`` measures
the larger steps it cuts into several chunks), to a file in a temporary folder;
the best of three runs counts.  ``fletcher32`` is no compression, only a checksum
per chunk (so a damaged file says so when read).  ``np.savez`` writes all the frames at once from
memory, which a recording longer than the history cannot do.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import tempfile
import time

import h5py
import numpy as np

from hiddenscope.core import Config, Stepper

SIZES = [(32, 5, 96), (256, 16, 96)]
WAYS = {
    "none": {},
    "fletcher32": {"fletcher32": True},
    "lzf": {"compression": "lzf"},
    "gzip1": {"compression": "gzip", "compression_opts": 1},
    "gzip4": {"compression": "gzip", "compression_opts": 4},
}


def frames_for(batch: int, agents: int, units: int, distinct: int) -> tuple[np.ndarray, np.ndarray]:
    stepper = Stepper(
        Config(batch_size=batch, n_agents=agents, hidden_dim=units * 4 // 3), history_budget=2**31, tracing=False
    )
    stepper.run(distinct)
    hist = stepper.history
    return hist.hidden[1 : distinct + 1].copy(), hist.inputs[1 : distinct + 1].copy()


def write_h5(path: str, hidden: np.ndarray, inputs: np.ndarray, steps: int, options: dict) -> float:
    started = time.perf_counter()
    with h5py.File(path, "w", rdcc_nbytes=0) as f:  # as the recorder opens it: each chunk written once
        dh = f.create_dataset(
            "hidden",
            (0, *hidden.shape[1:]),
            np.float32,
            maxshape=(None, *hidden.shape[1:]),
            chunks=(1, *hidden.shape[1:]),
            **options,
        )
        di = f.create_dataset(
            "inputs",
            (0, *inputs.shape[1:]),
            np.float32,
            maxshape=(None, *inputs.shape[1:]),
            chunks=(1, *inputs.shape[1:]),
            **options,
        )
        for k in range(steps):
            if k % 64 == 0:  # grow in blocks, as the recorder does
                dh.resize(k + 64, axis=0)
                di.resize(k + 64, axis=0)
            dh[k] = hidden[k % len(hidden)]
            di[k] = inputs[k % len(inputs)]
        dh.resize(steps, axis=0)
        di.resize(steps, axis=0)
    return time.perf_counter() - started


def write_npz(path: str, hidden: np.ndarray, inputs: np.ndarray, steps: int, compressed: bool) -> float:
    reps = -(-steps // len(hidden))
    all_hidden = np.tile(hidden, (reps, 1, 1, 1))[:steps]
    all_inputs = np.tile(inputs, (reps, 1, 1, 1))[:steps]
    started = time.perf_counter()
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, hidden=all_hidden, inputs=all_inputs)
    with open(path, "wb") as f:
        f.write(buffer.getvalue())
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in SIZES:
            hidden, inputs = frames_for(*size, distinct=min(args.steps, 50))
            raw = (hidden[0].nbytes + inputs[0].nbytes) * args.steps
            key = "x".join(map(str, size))
            results[key] = {}
            print(f"{key}: {args.steps} steps, {raw / 2**20:.1f} MiB of hidden state and inputs")
            rows: list[tuple[str, float, int]] = []
            for name, options in WAYS.items():
                path = os.path.join(folder, f"{name}.h5")
                best = min(write_h5(path, hidden, inputs, args.steps, options) for _ in range(3))
                rows.append((f"h5 {name}", best, os.path.getsize(path)))
            for name, compressed in (("savez", False), ("savez_compressed", True)):
                path = os.path.join(folder, f"{name}.npz")
                best = min(write_npz(path, hidden, inputs, args.steps, compressed) for _ in range(3))
                rows.append((name, best, os.path.getsize(path)))
            for name, seconds, size_bytes in rows:
                per_step = seconds / args.steps * 1000
                print(
                    f"  {name:<18} {per_step:8.3f} ms/step  {raw / seconds / 2**20:8.1f} MiB/s"
                    f"  file {size_bytes / raw:6.1%} of raw"
                )
                results[key][name] = {"ms_per_step": round(per_step, 4), "size_ratio": round(size_bytes / raw, 4)}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
