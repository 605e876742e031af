"""The ``hiddenscope`` command: the app, and the subcommands that need no display.

Every mistake is one line on stderr and exit status 2; nothing that exists is
overwritten without ``--force``.
"""

from __future__ import annotations

import argparse
import json
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
    return value


def _add_model_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    d = Config()

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    g = parser.add_argument_group("model")
    g.add_argument("--batch-size", type=_whole, default=default(d.batch_size), help=f"batch size (default {d.batch_size})")
    g.add_argument("--n-agents", type=_whole, default=default(d.n_agents), help=f"number of agents (default {d.n_agents})")
    g.add_argument(
        "--hidden-dim",
        type=_whole,
        default=default(d.hidden_dim),
        help=f"the agent's _hidden_dim; the GRU gets hidden_dim // 4 * 3 units (default {d.hidden_dim} → {d.units})",
    )
    g.add_argument("--input-dim", type=_whole, default=default(d.input_dim), help=f"inputs per agent (default {d.input_dim})")
    g.add_argument("--seed", type=_whole, default=default(d.seed), help=f"seed for weights and inputs (default {d.seed})")
    g.add_argument("--device", default=default(d.device), help="auto (CUDA if there is one), cpu, cuda or cuda:N (default auto)")
    g.add_argument("--dtype", default=default(d.dtype), help="float32 or float64 (default float32)")
    g.add_argument("--checkpoint", default=default(None), metavar="PATH",
                   help="a trained agent: PyMARL agent.th, the seed model's state_dict, or .safetensors (loaded safely)")
    g.add_argument("--inputs", default=default(None), metavar="PATH",
                   help="agent inputs from .npy/.npz/.pt, shape (T, batch, n_agents, input) or (T, n_agents, input)")
    g.add_argument("--env", default=default(None), choices=["simple_spread"],
                   help="inputs from a live PettingZoo MPE environment (optional extra: hiddenscope[mpe])")
    g.add_argument("--model", default=default(None), metavar="MODULE:FACTORY",
                   help="build the model with FACTORY(config) from an importable module (this runs its code)")
    g.add_argument(
        "--history-mb", type=_megabytes, default=default(256), help="host memory the step history may use, MiB (default 256)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hiddenscope",
        description="Watch a multi-agent GRU's hidden state, one timestep at a time. With no command, opens the app.",
    )
    _add_model_options(parser, suppress=False)
    parser.add_argument(
        "--lang", choices=["auto", "en", "zh_CN"], default=None,
        help="interface language (default: the one chosen in View → Language, else the system's)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("shapes", help="print the shape trace of init_hidden and of N steps")
    p.add_argument("--steps", type=_count, default=2, help="timesteps to run (default 2)")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    _add_model_options(p, suppress=True)

    p = sub.add_parser("export", help="run N steps and save the hidden-state history to .npz")
    p.add_argument("--steps", type=_count, default=10, help="timesteps to run (default 10)")
    p.add_argument("--out", required=True, help="the .npz file to write")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    _add_model_options(p, suppress=True)

    p = sub.add_parser("screenshot", help="run N steps and save the heatmap grid as a PNG (no display needed)")
    p.add_argument("--steps", type=_count, default=10, help="timesteps to run (default 10)")
    p.add_argument("--out", required=True, help="the .png file to write")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.add_argument("--agent", type=_whole, default=None, help="only this agent's heatmap (0-based)")
    _add_model_options(p, suppress=True)
    return parser


def config_from(args: argparse.Namespace) -> Config:
    return Config(
        batch_size=args.batch_size,
        n_agents=args.n_agents,
        hidden_dim=args.hidden_dim,
        input_dim=args.input_dim,
        seed=args.seed,
        device=args.device,
        dtype=args.dtype,
    ).validate()


def session_parts(args: argparse.Namespace) -> dict:
    """The config and the model and input factories the options ask for (checked, nothing built yet)."""
    from hiddenscope.core.stepper import pattern_inputs, seed_model

    config = config_from(args)
    model_factory, input_factory = seed_model, pattern_inputs
    if args.model:
        from hiddenscope.core.checkpoint import plugin_factory

        model_factory = plugin_factory(args.model)
        config = config.replace(model=args.model)
    if args.checkpoint:
        if args.model:
            raise UserError("use --checkpoint or --model, not both")
        from hiddenscope.core.checkpoint import checkpoint_factory

        model_factory, config = checkpoint_factory(args.checkpoint, config)
    if args.inputs and args.env:
        raise UserError("use --inputs or --env, not both")
    if args.inputs:
        from hiddenscope.core.input_files import file_inputs_factory

        input_factory, config = file_inputs_factory(args.inputs, config)
    if args.env:
        from hiddenscope.core.env_inputs import mpe_inputs_factory

        input_factory, config = mpe_inputs_factory(config)
    return {"config": config, "model_factory": model_factory, "input_factory": input_factory,
            "history_budget": args.history_mb * 1024 * 1024}


def make_stepper(args: argparse.Namespace):  # noqa: ANN201 - keeps torch out of --help
    from hiddenscope.core.stepper import Stepper

    parts = session_parts(args)
    return Stepper(parts.pop("config"), **parts)


def _cmd_shapes(args: argparse.Namespace) -> int:
    from hiddenscope.core.notes import note_for

    stepper = make_stepper(args)
    records = list(stepper.init_trace or [])
    for _ in range(args.steps):
        stepper.step()
        records += stepper.trace
    c = stepper.config
    if args.json:
        doc = {
            "config": {**c.__dict__, "units": stepper.units, "device_used": str(stepper.device)},
            "records": [{**r.to_json(), "note": note_for(r, c.batch_size, c.n_agents)} for r in records],
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
        note = note_for(r, c.batch_size, c.n_agents)
        if note:
            print(f"{'':>6}↳ {note}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from hiddenscope.core.export import export_npz
    from hiddenscope.core.files import check_output_path

    out = check_output_path(args.out, args.force)
    stepper = make_stepper(args)
    stepper.run(args.steps)
    export_npz(stepper, out)
    held = len(stepper.history)
    print(f"wrote {out}: {held} timesteps ({stepper.history.first}..{stepper.history.last}) of {stepper.config.label()}")
    if held < args.steps + 1:
        print(f"note: the history budget (--history-mb {args.history_mb}) holds the last {held} steps only", file=sys.stderr)
    return 0


def _cmd_screenshot(args: argparse.Namespace) -> int:
    from hiddenscope.core.files import check_output_path

    out = check_output_path(args.out, args.force)
    stepper = make_stepper(args)
    if args.agent is not None and not 0 <= args.agent < stepper.config.n_agents:
        raise UserError(f"--agent must be from 0 to {stepper.config.n_agents - 1}, got {args.agent}")
    stepper.run(args.steps)
    from hiddenscope.gui.headless import save_screenshot_headless

    save_screenshot_headless(stepper, out, agent=args.agent)
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
    uses_xcb = platform.startswith("xcb") or (not platform and os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"))
    if sys.platform.startswith("linux") and uses_xcb:
        missing = _missing_xcb_library()
        if missing:
            # Qt aborts the whole process when its X11 plugin cannot load; a clear line is kinder.
            raise UserError(
                f"Qt cannot open a window on X11 here: the system library {missing} is missing. On Debian/Ubuntu: sudo apt-get install"
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

    _check_display()
    stepper = Stepper(**session_parts(args))  # every mistake surfaces here, before a window opens
    from hiddenscope.gui.app import run_app

    return run_app(stepper, language=args.lang)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from hiddenscope.core.tuning import keep_freed_memory

    keep_freed_memory()
    commands = {"shapes": _cmd_shapes, "export": _cmd_export, "screenshot": _cmd_screenshot, None: _cmd_gui}
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
