"""The ``hiddenscope`` command: the app, and the subcommands that need no display.

Every mistake is one line on stderr and exit status 2; nothing that exists is
overwritten without ``--force``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence

from hiddenscope.core.config import Config
from hiddenscope.core.errors import UserError

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one clear line rather than a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _whole(text: str) -> int:
    try:
        return int(text.strip().replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def _count(text: str) -> int:
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _megabytes(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (MiB), got {value}")
    most = _memory_mib()
    if most is not None and value > most:
        raise argparse.ArgumentTypeError(f"must be at most this machine's memory, {most:,} MiB; got {value:,}")
    return value


def _memory_mib() -> int | None:
    """The machine's physical memory in MiB, where the system says."""
    import os

    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (AttributeError, OSError, ValueError):
        return None


def _add_model_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """The options that pick the model, its inputs and its sizes.

    None of them has a default here: what is not given is filled from what was
    loaded (a checkpoint, an inputs file, an environment) or from the seed's
    defaults, and what is given must agree with what was loaded.
    """
    d = Config()

    def default(value: object = None) -> object:
        return argparse.SUPPRESS if suppress else value

    g = parser.add_argument_group("model")
    g.add_argument(
        "--batch-size",
        type=_whole,
        default=default(),
        help=f"batch size; with --env, environments run side by side (default {d.batch_size})",
    )
    g.add_argument(
        "--n-agents",
        type=_whole,
        default=default(),
        help=f"number of agents (default {d.n_agents}, or what the checkpoint, inputs file or environment has)",
    )
    g.add_argument(
        "--hidden-dim",
        type=_whole,
        default=default(),
        help=f"the seed agent's _hidden_dim; its GRU gets hidden_dim // 4 * 3 units "
        f"(default {d.hidden_dim} → {d.units});"
        " a checkpoint's own size otherwise",
    )
    g.add_argument(
        "--input-dim",
        type=_whole,
        default=default(),
        help=f"inputs per agent (default {d.input_dim}, or what was loaded fixes)",
    )
    g.add_argument(
        "--seed",
        type=_whole,
        default=default(),
        help=f"seed for weights, inputs, environments and sampled actions (default {d.seed})",
    )
    g.add_argument(
        "--device", default=default(), help="auto (CUDA if there is one), cpu, cuda or cuda:N (default auto)"
    )
    g.add_argument("--dtype", default=default(), help="float32 or float64 (default float32)")
    g.add_argument(
        "--checkpoint",
        default=default(),
        metavar="PATH",
        help="a trained agent, loaded safely: agent.th of PyMARL, EPyMARL (shared or one network per agent)"
        " or PyMARL2, a PyMARL step or run folder (results/models/<run>[/<step>]), the seed model's"
        " state_dict, or .safetensors",
    )
    g.add_argument(
        "--load-step",
        type=_count,
        default=default(),
        metavar="N",
        help="with a run folder: the saved step nearest to N, as PyMARL's load_step (default: the latest)",
    )
    g.add_argument(
        "--run-config",
        default=default(),
        metavar="PATH",
        help="the run's config.json (sacred; e.g. results/sacred/<id>/config.json): obs_last_action,"
        " obs_agent_id, agent, hidden size (default: a config.json beside the checkpoint, if any)",
    )
    g.add_argument(
        "--run-agent",
        dest="run_agent",
        default=default(),
        choices=["rnn", "rnn_ns", "n_rnn"],
        help="the run's agent (as in its config): rnn (PyMARL/EPyMARL), rnn_ns (EPyMARL, one network per"
        " agent) or n_rnn (PyMARL2; same weights as rnn without LayerNorm, traced with NMAC)",
    )
    g.add_argument(
        "--inputs",
        default=default(),
        metavar="PATH",
        help="agent inputs from .npy/.npz/.pt, shape (T, batch, n_agents, input) or (T, n_agents, input)",
    )
    g.add_argument(
        "--env",
        default=default(),
        metavar="NAME",
        help="run episodes in a live environment: simple_spread (extra hiddenscope[mpe]), lbf"
        " (hiddenscope[lbf]), rware (hiddenscope[rware]), vmas or vmas:SCENARIO (hiddenscope[vmas])",
    )
    g.add_argument(
        "--env-arg",
        dest="env_args",
        action="append",
        default=default(),
        metavar="KEY=VALUE",
        help="an option of the environment, repeatable (e.g. n_agents=3, max_cycles=25)",
    )
    g.add_argument(
        "--obs-last-action",
        action=argparse.BooleanOptionalAction,
        default=default(),
        help="with --env: the agents' inputs carry their one-hot last action (default: the run's config,"
        " else worked out from the checkpoint's input size)",
    )
    g.add_argument(
        "--obs-agent-id",
        action=argparse.BooleanOptionalAction,
        default=default(),
        help="with --env: the agents' inputs carry their one-hot id (default as --obs-last-action)",
    )
    g.add_argument(
        "--actions",
        default=default(),
        choices=["greedy", "sample"],
        help="with --env: act greedily on the outputs, or sample from a policy (pi_logits agents); default: as"
        " the run's action_selector acts in test mode (soft_policies samples), else greedily",
    )
    g.add_argument(
        "--terminal-step",
        action=argparse.BooleanOptionalAction,
        default=default(),
        help="with --env: after an episode's last action, one more step on its terminal observation, whose"
        " action is not taken, as the PyMARL family's runners do (default); --no-terminal-step leaves it out",
    )
    g.add_argument(
        "--model",
        default=default(),
        metavar="MODULE:FACTORY",
        help="build the model with FACTORY(config) from an importable module or a .py in the current"
        " folder (this runs its code)",
    )
    g.add_argument(
        "--edit",
        dest="edits",
        action="append",
        default=default(),
        metavar="T:AGENTS:OP",
        help="edit h_T, repeatable: AGENTS is 1, 0-2 or all; OP is zero, set=V, clamp=LO,HI, noise=SIGMA,"
        " copy=A or swap=A,B; optionally :rows=R and :units=U (e.g. 3:1:zero, 5:all:noise=0.1:units=0-9)",
    )
    g.add_argument(
        "--history-mb",
        type=_megabytes,
        default=default(),
        help="memory the step history may use, MiB (default 256 of host memory; with the model on a GPU,"
        " a quarter of the GPU's free memory, where the history then lives)",
    )


def _add_session_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--session", default=None, metavar="PATH", help=f"a recorded session (.h5): {what}, no model")
    parser.add_argument(
        "--at", type=_count, default=None, metavar="T", help="with --session: the timestep (default: the last)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hiddenscope",
        description="Watch a multi-agent GRU's hidden state, one timestep at a time. With no command, opens the app.",
    )
    _add_model_options(parser, suppress=False)
    parser.add_argument(
        "--lang",
        choices=["auto", "en", "zh_CN"],
        default=None,
        help="interface language (default: the one chosen in View → Language, else the system's)",
    )
    parser.add_argument(
        "--session",
        dest="app_session",
        default=None,
        metavar="PATH",
        help="open the app on a recorded session (.h5) to replay it, with no model"
        " (before shapes or screenshot: the same as their own --session)",
    )
    parser.add_argument(
        "--follow",
        action="store_true",
        help="with --session: the file is still being written (hiddenscope.record or watch in another process);"
        " show its new steps as they land, and wait for the first",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="the trained demo agent (VDN on simple_spread, in the box) acting in its environment; before"
        " export, screenshot, movie or shapes: the same as --checkpoint on it with --env simple_spread",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("shapes", help="print the shape trace of init_hidden and of N steps")
    p.add_argument("--steps", type=_count, default=None, help="timesteps to run (default 2)")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    _add_session_options(p, "the trace recorded for step T")
    _add_model_options(p, suppress=True)

    p = sub.add_parser("export", help="run N steps and save them: every step to a session (.h5), or .npz")
    p.add_argument("--steps", type=_count, default=10, help="timesteps to run (default 10)")
    p.add_argument(
        "--out",
        required=True,
        help="a session (.h5/.hdf5: every step, streamed to disk) or .npz (what the history budget holds)",
    )
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    _add_model_options(p, suppress=True)

    p = sub.add_parser("screenshot", help="run N steps and save the heatmap grid as a PNG (no display needed)")
    p.add_argument("--steps", type=_count, default=None, help="timesteps to run (default 10)")
    _add_session_options(p, "the heatmap grid of h_T")
    p.add_argument("--out", required=True, help="the .png file to write")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.add_argument("--agent", type=_whole, default=None, help="only this agent's heatmap (0-based)")
    _add_look_options(p)
    _add_model_options(p, suppress=True)

    p = sub.add_parser("compare", help="compare two sessions step by step, agent by agent (|h_B − h_A|)")
    p.add_argument("a", metavar="A.h5", help="the first session")
    p.add_argument("b", metavar="B.h5", help="the second session, recorded with the same sizes")
    p.add_argument(
        "--json",
        action="store_true",
        help='print one JSON document instead of a table (an infinite difference is "inf", one with NaN "nan")',
    )
    p.add_argument(
        "--tolerance",
        type=float,
        default=0.0,
        help="a step diverges where max |Δh| is above this (default 0: any difference)",
    )

    p = sub.add_parser("movie", help="the heatmap grid over time as MP4 or GIF, from a session or N live steps")
    p.add_argument("--session", default=None, metavar="PATH", help="a recorded session (.h5); else the model runs")
    p.add_argument("--steps", type=_count, default=None, help="without --session: timesteps to run (default 10)")
    p.add_argument("--from", dest="start", type=_count, default=None, metavar="T", help="with --session: first t")
    p.add_argument("--to", dest="stop", type=_count, default=None, metavar="T", help="with --session: last t")
    p.add_argument("--out", default=None, help="the .mp4 or .gif file to write")
    p.add_argument(
        "--frames",
        default=None,
        metavar="DIR",
        help="also (or instead) write every frame as DIR/t000012.png, each the PNG screenshot writes at that t",
    )
    p.add_argument("--fps", type=float, default=10.0, help="frames per second (default 10)")
    p.add_argument("--agent", type=_whole, default=None, help="only this agent's heatmap (0-based)")
    p.add_argument("--force", action="store_true", help="replace --out (and frames in --frames) if they exist")
    _add_look_options(p, movie=True)
    _add_model_options(p, suppress=True)
    return parser


def _add_look_options(parser: argparse.ArgumentParser, movie: bool = False) -> None:
    """--order and --difference: how the picture looks, as View → Order units and Difference set it in the app."""
    from hiddenscope.core.analysis import ORDERINGS

    when = "at the movie's last t, one order for every frame" if movie else "at the t drawn"
    parser.add_argument(
        "--order",
        choices=ORDERINGS,
        default="index",
        help=f"lay the units out by this rule over the held steps up to t ({when}); default index",
    )
    parser.add_argument("--difference", action="store_true", help="draw h_t − h_{t−1} on the ±0.5 scale")
    parser.add_argument(
        "--axes", action="store_true", help="number the batch rows and the units (in the order drawn), for a figure"
    )
    parser.add_argument(
        "--state",
        default="h",
        metavar="NAME",
        help="with --session: draw this recorded state instead of h (an LSTM's c, a layer: hiddenscope.record states)",
    )


def _look(args: argparse.Namespace, stepper, t: int):
    """The Look the options ask for at ``t`` (the unit order computed from the steps held up to ``t``)."""
    from hiddenscope.core.picture import Look, order_at

    return Look(difference=args.difference, order=order_at(stepper, args.order, t))


def session_parts(args: argparse.Namespace) -> dict:
    """The config and the model and input factories the options ask for (checked, nothing built yet)."""
    return planned_parts(args)[0]


def planned_parts(args: argparse.Namespace) -> tuple[dict, list[str]]:
    """:func:`session_parts`, and what the plan says of the run for the user (:func:`say_notes`, once it is built)."""
    from hiddenscope.core.plan import Request, plan

    request = Request.from_namespace(args)
    if getattr(args, "demo", False):
        from hiddenscope.core.demo import demo_request

        request = demo_request(request)
    planned = plan(request)
    steps = getattr(args, "steps", None)
    if steps is not None:  # a headless run's edits must fall inside it (the app's may come later)
        for edit in planned.edits:
            edit.check(planned.config.batch_size, planned.config.n_agents, steps=steps)
    parts = {
        "config": planned.config,
        "model_factory": planned.model_factory,
        "input_factory": planned.input_factory,
        "history_budget": None if args.history_mb is None else args.history_mb * 1024 * 1024,
        "edits": planned.edits,
        "loaded": planned.loaded,  # what runs, as planned: the app's File menu plans its next choice from it
    }
    return parts, list(planned.notes)  # the notes are said once the run is built: a mistake building it is the line


def make_stepper(args: argparse.Namespace):  # a Stepper; torch is loaded anyway (core.config, imported above)
    from hiddenscope.core.stepper import Stepper

    parts, notes = planned_parts(args)
    stepper = Stepper(parts.pop("config"), **parts)
    say_notes(notes)
    return stepper


def say_notes(notes: list[str]) -> None:
    """What the plan chose for the user (which step of a run, how its agents act), on stderr."""
    for note in notes:
        print(f"hiddenscope: {note}", file=sys.stderr)


def _cmd_shapes(args: argparse.Namespace) -> int:
    from hiddenscope.core.export import config_record
    from hiddenscope.core.trace_notes import note_for

    if args.session is not None:
        return _shapes_from_session(args)
    if args.at is not None:
        raise UserError("--at goes with --session")
    stepper = make_stepper(args)
    records = list(stepper.init_trace or [])
    for _ in range(2 if args.steps is None else args.steps):
        stepper.step()
        records += stepper.trace
    c = stepper.config
    if args.json:
        doc = {
            "config": config_record(stepper),
            "records": [
                {**r.to_json(), "note": note_for(r, c.batch_size, c.n_agents, seed=c.family == "seed")} for r in records
            ],
        }
        json.dump(doc, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    print(f"# {c.label()} · {stepper.device} · {c.dtype}")
    print(f"{'step':>4}  {'op':<34} {'shape':<16} {'stride':<14} {'contig':<6} {'kind':<8} {'role':<10} code")
    for r in records:
        step = "init" if r.phase == "init" else str(r.step)
        print(
            f"{step:>4}  {r.op:<34} {str(r.shape):<16} {str(tuple(r.stride)):<14} {'yes' if r.contiguous else 'no':<6}"
            f" {r.kind:<8} {r.role:<10} {r.code}"
        )
        note = note_for(r, c.batch_size, c.n_agents, seed=c.family == "seed")
        if note:
            print(f"{'':>6}↳ {note}")
    return 0


def _progress(what: str, unit: str = "steps"):
    """Progress on stderr for work that takes a while: at most a line a second, nothing for quick work."""
    import time

    started = time.monotonic()
    shown = [started]
    tty = sys.stderr.isatty()

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        finished = done >= total
        if now - started < 1.0 or (now - shown[0] < 1.0 and not finished) or (finished and shown[0] == started):
            return
        shown[0] = now
        line = f"hiddenscope: {what} {done}/{total} {unit}"
        if tty:
            sys.stderr.write(f"\r{line}" + ("\n" if finished else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    return report


def _record(record_session, stepper, args: argparse.Namespace, out) -> int:
    """Record a session; Ctrl+C or SIGTERM end it after the step under way, the file finished (exit 130 / 143).

    The handlers only set a flag: an exception raised by a signal can land in a weakref
    callback or a destructor, where Python drops it.  A second Ctrl+C interrupts at once.
    """
    import signal
    import threading
    import time

    from hiddenscope.core.session import RecordingStopped

    stop = threading.Event()
    caught: list[int] = []
    recorders = []

    def on_signal(signum: int, frame: object) -> None:
        if caught and signum == signal.SIGINT:
            raise KeyboardInterrupt
        caught.append(signum)
        stop.set()

    report = _progress("recorded")
    begun = time.monotonic()
    announced: list[bool] = []

    def progress(done: int, total: int) -> None:
        # Said once the run lasts: a killed run leaves the old file whole and the new steps there.
        if recorders and recorders[0].replacing and not announced and time.monotonic() - begun >= 1.0:
            print(f"hiddenscope: recording to {recorders[0].file_path}; it replaces {out} when done", file=sys.stderr)
            announced.append(True)
        report(done, total)

    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        record_session(
            stepper, args.steps, out, force=args.force, progress=progress, started=recorders.append, stop=stop
        )
        kept = recorders[0].outcome
    except RecordingStopped as stopped:
        caught.append(signal.SIGINT)
        kept = str(stopped)
    finally:
        for sig, handler in previous.items():
            if handler is not None:
                signal.signal(sig, handler)
    if not caught:
        return 0
    by_term = caught[0] == signal.SIGTERM
    print(f"hiddenscope: {'terminated' if by_term else 'interrupted'}: {kept}", file=sys.stderr)
    return 143 if by_term else 130


def _cmd_export(args: argparse.Namespace) -> int:
    from hiddenscope.core.export import check_npz_budget, export_npz
    from hiddenscope.core.files import check_output_path
    from hiddenscope.core.session import SUFFIXES, is_session_path, record_session

    out = check_output_path(args.out, args.force, suffixes=(".npz", *SUFFIXES))
    stepper = make_stepper(args)
    if is_session_path(out):
        # Every step goes to disk as it is computed: the history budget bounds memory, not the file.
        stopped = _record(record_session, stepper, args, out)
        if stopped:
            return stopped
        held = f"{args.steps + 1} timesteps (0..{stepper.latest})"
    else:
        try:
            if args.steps:
                stepper.step()  # the first step fixes the history's size (a model with separate outputs)
                check_npz_budget(stepper, args.steps + 1, out)
                stepper.run(args.steps - 1)
            export_npz(stepper, out)
        except KeyboardInterrupt:
            print(
                f"hiddenscope: interrupted: nothing was written ({out.suffix} files are written whole,"
                " at the end; a session, .h5, keeps every step as it is recorded)",
                file=sys.stderr,
            )
            return 130
        held = f"{len(stepper.history)} timesteps ({stepper.history.first}..{stepper.history.last})"
    print(f"wrote {out}: {held} of {stepper.config.label()}")
    if stepper.config.dtype != "float32":
        print(f"note: the model ran in {stepper.config.dtype}; the file keeps float32 copies", file=sys.stderr)
    if stepper.episodic:
        source = stepper.source
        mean = source.mean_return()
        shown = f", mean return {mean:.3f}" if mean is not None else ""
        print(f"episodes: {source.episodes} finished{shown}")
    return 0


def _json_ready(value: object) -> object:
    """Arrays as lists, non-finite numbers as the strings "inf", "-inf" and "nan": a document any JSON reader takes."""
    import math

    import numpy as np

    if isinstance(value, np.ndarray):
        return _json_ready(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else "inf" if value > 0 else "-inf"
    return value


def _cmd_compare(args: argparse.Namespace) -> int:
    from hiddenscope.core.session import SessionReader, compare_sessions

    if not args.tolerance >= 0:
        raise UserError(f"--tolerance must be 0 or more, got {args.tolerance}")
    with SessionReader(args.a) as a, SessionReader(args.b) as b:
        result = compare_sessions(a, b, tolerance=args.tolerance, progress=_progress("compared"))
        labels = (a.model, b.model)
    if args.json:
        json.dump(_json_ready(result), sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    ts, max_abs, mean_abs = result["t"], result["max_abs"], result["mean_abs"]
    print(f"A: {result['a']} · {labels[0]} · t = {result['a_holds'][0]}..{result['a_holds'][1]}")
    print(f"B: {result['b']} · {labels[1]} · t = {result['b_holds'][0]}..{result['b_holds'][1]}")
    batch, n_agents, units = result["shape"]
    print(f"compared t = {ts[0]}..{ts[-1]}: batch {batch} × {n_agents} agents × {units} units, |h_B − h_A|")
    first = result["first_divergent_t"]
    rule = f"max |Δh| > {args.tolerance:g}"
    said = f"none: no step has {rule}" if first is None else f"t = {first} (the first with {rule})"
    print(f"first divergent step: {said}")
    each = result["first_divergent_t_per_agent"]
    print("first divergent step per agent: " + ", ".join(f"{i}: {'-' if t is None else t}" for i, t in enumerate(each)))
    inputs = result["first_input_difference_t"]
    if inputs is None:
        inputs = "the same at every step"
    print(f"inputs: {inputs if isinstance(inputs, str) else f'first differ at t = {inputs}'}")
    print(f"{'t':>6}  {'max|Δh|':>10}  {'mean|Δh|':>10}  max|Δh| of agent 0, 1, …")
    for k, t in enumerate(ts):
        agents = " ".join(f"{v:.3g}" for v in max_abs[k])
        print(f"{t:>6}  {max_abs[k].max():>10.4g}  {mean_abs[k].mean():>10.4g}  {agents}")
    return 0


def _cmd_movie(args: argparse.Namespace) -> int:
    from hiddenscope.core.files import check_output_path

    if args.out is None and args.frames is None:
        raise UserError("say where to write: --out movie.mp4 (or .gif), --frames DIR, or both")
    out = check_output_path(args.out, args.force) if args.out is not None else None
    suffix = out.suffix.lower() if out is not None else ""
    if out is not None and suffix not in (".mp4", ".gif"):
        raise UserError(f"--out must end in .mp4 or .gif, got {out.name}")
    if not math.isfinite(args.fps) or not 0.01 <= args.fps <= 1000:
        raise UserError(f"--fps must be from 0.01 to 1000, got {args.fps}")
    from hiddenscope.gui.export import movie

    if out is not None:
        movie.check_available(suffix)
    if args.session is not None:
        _refuse_model_options(args, "--steps")
        from hiddenscope.core.replay import ReplayStepper
        from hiddenscope.core.session import SessionReader

        if args.start is not None and args.stop is not None and args.start > args.stop:
            raise UserError(f"--from {args.start} is after --to {args.stop}: a movie runs from --from up to --to")
        with SessionReader(args.session) as reader:
            start = reader.first if args.start is None else args.start
            stop = reader.last if args.stop is None else args.stop
            for flag, t in (("--from", args.start), ("--to", args.stop)):
                if t is not None and not reader.holds(t):
                    raise UserError(f"{flag} {t}: {args.session} holds t = {reader.first}..{reader.last}")
            if start > stop:  # one of them left to its default
                raise UserError(f"--from {start} is after --to {stop} ({args.session} holds t = {reader.first}..)")
            _check_agent(args.agent, reader.config.n_agents)
            replay = ReplayStepper(reader)
            if args.state != "h":
                replay.show_state(args.state)
            count = _write_movie(args, replay, start, stop, out)
    else:
        if args.start is not None or args.stop is not None:
            raise UserError("--from and --to go with --session")
        if args.state != "h":
            raise UserError("--state goes with --session: a live run shows its hidden state h")
        stepper = make_stepper(args)
        _check_agent(args.agent, stepper.config.n_agents)
        steps = 10 if args.steps is None else args.steps
        if args.order != "index":  # the order is the last frame's: run to it first, then draw from history
            stepper.run(steps)
            if not stepper.history.holds(stepper.t - steps):
                raise UserError(
                    f"--order needs every frame held to draw them after the last: the history holds"
                    f" t = {stepper.history.first}..{stepper.history.last}; raise --history-mb or record a"
                    " session (hiddenscope export) and make the movie from it"
                )
        count = _write_movie(args, stepper, 0, steps, out)
    where = " and ".join(str(p) for p in (out, args.frames) if p is not None)
    print(f"wrote {where}: {count} frames" + (f" at {args.fps:g} frames per second" if out is not None else ""))
    return 0


def _write_movie(args: argparse.Namespace, stepper, start: int, stop: int, out) -> int:
    """The movie and/or frames of ``start..stop``, one Look for all (its order the last t's, where known)."""
    from hiddenscope.gui.export import movie

    agents = list(range(stepper.config.n_agents)) if args.agent is None else [args.agent]
    # Live without --order, the last t is not run yet: its order is index all the same.
    look = _look(args, stepper, stop if stepper.history.holds(stop) else stepper.t)
    total = stop - start + 1
    folder = movie.check_frames_folder(args.frames, range(start, stop + 1), args.force) if args.frames else None
    pictures = movie.pictures(stepper, start, stop, look, agents)
    if out is None:
        assert folder is not None
        return movie.write_frames(pictures, folder, total, progress=_progress("wrote", "frames"), axes=args.axes)

    def frames():
        for picture in pictures:
            if folder is not None:
                movie.save_picture(picture, folder / movie.frame_name(picture.t), args.axes)
            yield movie.picture_frame(picture, args.axes)

    return movie.write_movie(frames(), out, args.fps, total, progress=_progress("drew", "frames"))


def _refuse_model_options(args: argparse.Namespace, *given: str) -> None:
    """With --session the file says what ran: a model option, or --steps, beside it is a mistake."""
    from hiddenscope.core.plan import Request

    flags = {"agent": "--run-agent", "edits": "--edit", "env_args": "--env-arg"}
    asked = [flags.get(k, f"--{k.replace('_', '-')}") for k, v in vars(Request.from_namespace(args)).items() if v]
    asked += [flag for flag in given if getattr(args, flag.lstrip("-").replace("-", "_"), None) is not None]
    if asked:
        raise UserError(f"{', '.join(asked)} cannot go with --session: the session says what ran")


def _open_session_at(args: argparse.Namespace, traced: bool = False):
    """The session and the timestep --at names (default: the last, or with ``traced`` the last traced step)."""
    import numpy as np

    from hiddenscope.core.session import SessionReader

    _refuse_model_options(args, "--steps")
    reader = SessionReader(args.session)
    t = reader.last if args.at is None else args.at
    if args.at is None and traced:  # a recording made with trace=True traces the first few steps, then every n-th
        rows = np.flatnonzero(reader.read("trace_index") >= 0)
        if rows.size and reader.first + int(rows[-1]) != t:
            t = reader.first + int(rows[-1])
            print(f"hiddenscope: t = {reader.last} was not traced; the last traced step is t = {t}", file=sys.stderr)
    if not reader.holds(t):
        reader.close()
        raise UserError(f"--at {t}: {args.session} holds t = {reader.first}..{reader.last}")
    return reader, t


def _shapes_from_session(args: argparse.Namespace) -> int:
    import numpy as np

    from hiddenscope.core.trace_notes import note_for

    reader, t = _open_session_at(args, traced=True)
    with reader:
        records = reader.trace(t)
        c = reader.config
        device = reader.config_record.get("device_used", c.device)
        if records is None:  # which steps are (a recording made with trace=True traces the first few, then every n-th)
            traced = [reader.first + int(k) for k in np.flatnonzero(reader.read("trace_index") >= 0)[:13]]
    if records is None:
        if not traced:
            raise UserError(f"{args.session} has no trace for t = {t}: it was recorded with tracing off")
        more = ", …" if len(traced) > 12 else ""
        some = ", ".join(str(k) for k in traced[:12])
        raise UserError(f"{args.session} has no trace for t = {t}; the traced steps are t = {some}{more}")
    if args.json:
        doc = {
            "config": reader.config_record,
            "records": [
                {**r.to_json(), "note": note_for(r, c.batch_size, c.n_agents, seed=c.family == "seed")} for r in records
            ],
        }
        json.dump(doc, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    print(f"# {c.label()} · {device} · {c.dtype} · recorded in {args.session}")
    print(f"{'step':>4}  {'op':<34} {'shape':<16} {'stride':<14} {'contig':<6} {'kind':<8} {'role':<10} code")
    for r in records:
        step = "init" if r.phase == "init" else str(r.step)
        print(
            f"{step:>4}  {r.op:<34} {str(r.shape):<16} {str(tuple(r.stride)):<14} {'yes' if r.contiguous else 'no':<6}"
            f" {r.kind:<8} {r.role:<10} {r.code}"
        )
        note = note_for(r, c.batch_size, c.n_agents, seed=c.family == "seed")
        if note:
            print(f"{'':>6}↳ {note}")
    return 0


def _screenshot_from_session(args: argparse.Namespace, out) -> int:
    reader, t = _open_session_at(args)
    with reader:
        _check_agent(args.agent, reader.config.n_agents)
        from hiddenscope.core.replay import ReplayStepper
        from hiddenscope.gui.export.headless import save_screenshot_headless

        replay = ReplayStepper(reader)
        if args.state != "h":
            replay.show_state(args.state)
        replay.seek(t)
        save_screenshot_headless(replay, out, agent=args.agent, look=_look(args, replay, t), axes=args.axes)
    print(f"wrote {out}")
    return 0


def _check_agent(agent: int | None, n_agents: int) -> None:
    if agent is not None and not 0 <= agent < n_agents:
        raise UserError(f"--agent must be from 0 to {n_agents - 1}, got {agent}")


def _cmd_screenshot(args: argparse.Namespace) -> int:
    from hiddenscope.core.files import check_output_path

    out = check_output_path(args.out, args.force, "screenshot", suffixes=(".png",))
    if args.session is not None:
        return _screenshot_from_session(args, out)
    if args.at is not None:
        raise UserError("--at goes with --session")
    if args.state != "h":
        raise UserError("--state goes with --session: a live run shows its hidden state h")
    stepper = make_stepper(args)
    if args.agent is not None and not 0 <= args.agent < stepper.config.n_agents:
        raise UserError(f"--agent must be from 0 to {stepper.config.n_agents - 1}, got {args.agent}")
    stepper.run(10 if args.steps is None else args.steps)
    from hiddenscope.gui.export.headless import save_screenshot_headless

    save_screenshot_headless(stepper, out, agent=args.agent, look=_look(args, stepper, stepper.t), axes=args.axes)
    print(f"wrote {out}")
    return 0


def _check_display() -> None:
    """Qt aborts the process when it cannot reach a display; say so first, in one line."""
    import os

    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")
    ):
        raise UserError(
            "no display to open the window on (DISPLAY is not set); run it in a desktop session,"
            " or use the headless commands: hiddenscope shapes / export / screenshot"
        )
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    uses_xcb = platform.startswith("xcb") or (
        not platform and os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")
    )
    if sys.platform.startswith("linux") and uses_xcb:
        missing = _missing_xcb_library()
        if missing:
            # Qt aborts the whole process when its X11 plugin cannot load; a clear line is kinder.
            raise UserError(
                f"Qt cannot open a window on X11 here: the system library {missing} is missing. "
                "On Debian/Ubuntu: sudo apt-get install"
                " libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxkbcommon-x11-0"
            )


def _missing_xcb_library() -> str:
    """'' if Qt's X11 platform plugin can be loaded, else the loader's complaint (which names the library)."""
    import ctypes
    from pathlib import Path

    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.exists():
        return ""
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        return str(exc).split(":", 1)[0]  # "libxcb-icccm.so.4: cannot open shared object file"
    return ""


def _cmd_gui(args: argparse.Namespace) -> int:
    from hiddenscope.core.stepper import Stepper
    from hiddenscope.core.tuning import keep_freed_memory

    _check_display()
    # The app only, once a window can open: tests and scripts that import or call main() keep glibc's defaults.
    keep_freed_memory()
    if args.follow and args.app_session is None:
        raise UserError("--follow goes with --session PATH: the session file to follow")
    if args.follow:  # the window opens at once, on a seed run, and shows the file once it holds a step
        _refuse_model_options(args)
        stepper: Stepper = Stepper(Config())
    elif args.app_session is not None:  # replay a recording: the file says what ran
        from hiddenscope.core.replay import ReplayStepper
        from hiddenscope.core.session import SessionReader

        _refuse_model_options(args)
        stepper = ReplayStepper(SessionReader(args.app_session))  # a bad file: one line, exit 2
    else:
        parts, notes = planned_parts(args)
        stepper = Stepper(**parts)  # every mistake surfaces here, before a window opens
        say_notes(notes)
    from hiddenscope.gui.app import run_app

    return run_app(stepper, language=args.lang, follow=args.app_session if args.follow else None)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.follow and args.command is not None:
        print(
            f"hiddenscope: error: --follow goes with the app only (hiddenscope --session run.h5 --follow);"
            f" {args.command} reads the file as it is now",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.command is not None and args.app_session is not None:  # hiddenscope --session run.h5 screenshot …
        if not hasattr(args, "session"):
            print(f"hiddenscope: error: --session does not go with {args.command}", file=sys.stderr)
            return EXIT_USAGE
        if args.session is None:
            args.session = args.app_session
    if args.demo:
        refused = "compare" if args.command == "compare" else ""
        if args.app_session is not None or getattr(args, "session", None) is not None:
            refused = "--session"
        if refused:
            print(f"hiddenscope: error: --demo runs the demo agent live, not with {refused}", file=sys.stderr)
            return EXIT_USAGE
    commands = {
        "shapes": _cmd_shapes,
        "export": _cmd_export,
        "screenshot": _cmd_screenshot,
        "compare": _cmd_compare,
        "movie": _cmd_movie,
        None: _cmd_gui,
    }
    try:
        return commands[args.command](args)
    except UserError as exc:
        print(f"hiddenscope: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
