"""A long recording's memory, and how fast a large session opens and replays.

    python benchmarks/session_replay.py [--steps 400] [--batch 256] [--agents 16] [--history-mb 64]

1. Records ``--steps`` steps of the seed model at ``batch × agents × 96`` with a history of
   ``--history-mb``, stepping and streaming each step to a session as ``export --out x.h5``
   does, and reports the peak resident memory before, halfway and at the end against the
   session's size on disk: the file grows with the run, the memory stops growing once the
   history is full.
2. Opens the session (``SessionReader``) and reports how long that took: nothing but the
   timesteps and the attributes is read.
3. Replays it: reads every ``h_t`` from disk in order (what scrubbing forward does) and in a
   random order (scrubbing back and forth), and reports steps per second.  The page cache is
   warm (the file was just written), as it is for a session opened right after recording.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time

import numpy as np

from hiddenscope.core import Config, Stepper
from hiddenscope.core.session import SessionReader, SessionRecorder


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--agents", type=int, default=16)
    parser.add_argument("--history-mb", type=int, default=64)
    args = parser.parse_args()
    config = Config(batch_size=args.batch, n_agents=args.agents)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "long.h5")
        stepper = Stepper(config, history_budget=args.history_mb * 2**20)
        stepper.run(2)
        stepper.reset()
        before = peak_rss_mib()
        started = time.perf_counter()
        with SessionRecorder(path, stepper) as recorder:
            recorder.record_new()
            for k in range(args.steps):
                stepper.step()
                recorder.record_new()
                if k + 1 == args.steps // 2:
                    results["peak_rss_mib_halfway"] = round(peak_rss_mib(), 1)
        seconds = time.perf_counter() - started
        results["record_steps_per_s"] = round(args.steps / seconds, 1)
        results["peak_rss_mib_before"] = round(before, 1)
        results["peak_rss_mib_after"] = round(peak_rss_mib(), 1)
        results["history_mib"] = args.history_mb
        results["history_steps"] = stepper.history.capacity
        results["session_mib"] = round(os.path.getsize(path) / 2**20, 1)

        started = time.perf_counter()
        reader = SessionReader(path)
        results["open_ms"] = round((time.perf_counter() - started) * 1000, 2)
        started = time.perf_counter()
        for t in range(reader.first, reader.last + 1):
            reader.hidden(t)
        results["replay_in_order_steps_per_s"] = round(len(reader) / (time.perf_counter() - started), 1)
        order = np.random.default_rng(0).permutation(len(reader))
        started = time.perf_counter()
        for t in order:
            reader.hidden(int(t))
        results["replay_random_steps_per_s"] = round(len(reader) / (time.perf_counter() - started), 1)
        reader.close()
    size = f"{args.batch}x{args.agents}x{config.units}"
    print(f"{size}: {args.steps} steps recorded at {results['record_steps_per_s']} steps/s (model and file)")
    print(
        f"  peak resident memory {results['peak_rss_mib_before']} MiB before recording,"
        f" {results['peak_rss_mib_halfway']} MiB halfway, {results['peak_rss_mib_after']} MiB at the end;"
        f" history {args.history_mb} MiB"
        f" ({results['history_steps']} steps), session {results['session_mib']} MiB on disk"
    )
    print(
        f"  open: {results['open_ms']} ms; replay h_t: {results['replay_in_order_steps_per_s']} steps/s in order,"
        f" {results['replay_random_steps_per_s']} steps/s in random order"
    )
    print(json.dumps({size: results}))


if __name__ == "__main__":
    main()
