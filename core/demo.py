"""The trained demo agent that comes with hiddenscope: where it lies and the request that runs it.

``resources/demo/`` holds a PyMARL-style ``RNNAgent`` (64 GRU units, inputs
observation + last action + agent id) trained with VDN on MPE ``simple_spread``
by ``scripts/train_demo.py``, its ``config.json`` and its training curve.  It is an
ordinary PyMARL step folder: ``hiddenscope --demo`` is ``--checkpoint`` on that
folder with ``--env simple_spread``, planned like any other request.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import resources
from pathlib import Path

from .errors import FileProblem, UserError
from .plan import Request

DEMO_ENV = "simple_spread"


def demo_folder() -> Path:
    """The folder with the demo's ``agent.th`` and ``config.json`` (a step folder, as PyMARL saves one)."""
    folder = Path(str(resources.files("hiddenscope.resources").joinpath("demo")))
    if not (folder / "agent.th").is_file():
        raise FileProblem(
            f"the demo agent is missing ({folder / 'agent.th'}); reinstall hiddenscope,"
            " or train it again with scripts/train_demo.py"
        )
    return folder


def demo_request(request: Request) -> Request:
    """``request`` with the demo's checkpoint acting in its environment; sizes, seed and options stay as asked.

    A model or inputs of the request's own cannot go with the demo: that is a
    mistake named in one line.  ``--env-arg`` options (e.g. ``max_cycles=50``) pass.
    """
    for flag, value in (
        ("--checkpoint", request.checkpoint),
        ("--model", request.model),
        ("--inputs", request.inputs),
        ("--load-step", request.load_step),
        ("--run-config", request.run_config),
        ("--run-agent", request.agent),
    ):
        if value is not None:
            raise UserError(f"--demo runs the demo agent in {DEMO_ENV}; {flag} cannot go with it")
    if request.env is not None and request.env != DEMO_ENV:
        raise UserError(f"--demo runs the demo agent in {DEMO_ENV}, which it was trained on; not in {request.env}")
    return replace(request, checkpoint=str(demo_folder()), env=DEMO_ENV)
