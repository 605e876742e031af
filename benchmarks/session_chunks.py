"""How large a session's chunks should be: a step in one chunk against its rows cut into chunks.

    python benchmarks/session_chunks.py [--steps 16] [--out results/NAME.json]

The real :class:`~hiddenscope.core.session.SessionWriter` writes 1024×64×96 float32 steps
(hidden 24 MiB, inputs 8 MiB, outputs 2 MiB: what ``hiddenscope.record`` writes for a
training loop at that size) from a thread, as ``record``'s writer does, with
``session.CHUNK_BYTES`` set to each size in turn.  Per step it reports the writer's own
CPU time (``time.thread_time``, median), and for the finished file the time to read one
whole step and one row's state across every step, as replay and the tracks view read.

Every chunk of ``hidden``, ``inputs`` and ``outputs`` carries a Fletcher-32 checksum, so
HDF5 copies each chunk into two fresh buffers on every write; a 24 MiB chunk pays for
those buffers' pages on every step, which smaller chunks do not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from hiddenscope.core import session
from hiddenscope.core.history import Frame
from hiddenscope.core.session import SessionWriter

SHAPE = (1024, 64, 96)
INPUTS, OUTPUTS = 32, 8
CHUNK_SIZES = {"one chunk a step": 2**40, "4 MiB": 4 * 2**20, "1 MiB (the default)": 2**20, "256 KiB": 2**18}


def write(path: str, steps: int) -> list[float]:
    batch, agents, units = SHAPE
    rng = np.random.default_rng(0)
    hidden = rng.uniform(-1, 1, SHAPE).astype(np.float32)
    inputs = rng.standard_normal((batch, agents, INPUTS)).astype(np.float32)
    outputs = rng.standard_normal((batch, agents, OUTPUTS)).astype(np.float32)
    cpu: list[float] = []

    def body() -> None:
        writer = SessionWriter(path)
        config = {"batch_size": batch, "n_agents": agents, "hidden_dim": units}
        writer.start({"config": config}, SHAPE, inputs.shape, outputs.shape)
        writer.append(Frame(0, np.zeros(SHAPE, np.float32), None, None, None, 0.0))
        for t in range(1, steps + 1):
            began = time.thread_time()
            writer.append(Frame(t, hidden, inputs, outputs, None, 1.0))
            cpu.append(time.thread_time() - began)
        writer.close()

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    return cpu


def read(path: str) -> tuple[float, float]:
    import h5py

    with h5py.File(path, "r") as f:
        hidden = f["hidden"]
        frames = []
        for k in range(1, len(hidden)):
            began = time.perf_counter()
            hidden[k]
            frames.append(time.perf_counter() - began)
        began = time.perf_counter()
        hidden[:, 5, 3, :]
        row = time.perf_counter() - began
    return statistics.median(frames), row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help="each size this many times, interleaved")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    kept = session.CHUNK_BYTES
    found: dict[str, dict[str, list[float]]] = {name: {"write": [], "frame": [], "row": []} for name in CHUNK_SIZES}
    try:
        with tempfile.TemporaryDirectory(prefix="hs-chunks-") as folder:
            for r in range(args.rounds):
                for name, size in CHUNK_SIZES.items():
                    session.CHUNK_BYTES = size
                    path = os.path.join(folder, f"{r}-{size}.h5")
                    cpu = write(path, args.steps)
                    frame, row = read(path)
                    os.unlink(path)
                    found[name]["write"].append(statistics.median(cpu[1:]) * 1000)
                    found[name]["frame"].append(frame * 1000)
                    found[name]["row"].append(row * 1000)
    finally:
        session.CHUNK_BYTES = kept
    results = {}
    for name, got in found.items():
        results[name] = {
            "writer_cpu_ms_per_step": [round(v, 1) for v in got["write"]],
            "read_step_ms": [round(v, 1) for v in got["frame"]],
            "read_row_all_steps_ms": [round(v, 1) for v in got["row"]],
        }
        print(
            f"{name:>20}: writer {min(got['write']):6.1f} ms/step (runs {', '.join(f'{v:.1f}' for v in got['write'])}),"
            f" read a step {min(got['frame']):5.1f} ms, a row over {args.steps} steps {min(got['row']):6.1f} ms"
        )
    doc = {
        "benchmark": "session_chunks",
        "size": "x".join(map(str, SHAPE)),
        "steps": args.steps,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "results": results,
    }
    if args.out:
        Path(args.out).write_text(json.dumps(doc, indent=1) + "\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
