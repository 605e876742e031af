"""One planning route: the File menu plans the request the command line makes, through ``core.plan``.

The same choices made both ways (command-line options, and the app's File → Open run /
Use environment on a run folder the test writes) give the same configuration, model
label, run settings, weights and first step.  Had the app its own planning again, the
configuration (its input flags, its options) or the steps would drift apart here.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QFileDialog

from hiddenscope.cli import build_parser, make_stepper, session_parts
from hiddenscope.core import Config
from hiddenscope.core.agents.pymarl import RNNAgent

pytest.importorskip("mpe2")

# simple_spread with 5 agents: 30 observations; + 5 last-action = 35 inputs.  Observation + 5 agent-id is
# 35 too, so only the run's config.json says which: a route that loses the run settings cannot plan it.
AGENTS, INPUTS = 5, 35


@pytest.fixture
def run(tmp_path):
    """A PyMARL run folder: two steps of an RNNAgent and the run's config.json."""
    folder = tmp_path / "results" / "models" / "qmix_run"
    for step, seed in ((100, 1), (200, 2)):
        torch.manual_seed(seed)
        (folder / str(step)).mkdir(parents=True)
        torch.save(RNNAgent(INPUTS, 64, 5).state_dict(), folder / str(step) / "agent.th")
    settings = {"agent": "rnn", "rnn_hidden_dim": 64, "obs_last_action": True, "obs_agent_id": False}
    (folder / "config.json").write_text(json.dumps(settings))
    return folder


def cli_stepper(*options: str):
    return make_stepper(build_parser().parse_args([*options, "--batch-size", "2", "--seed", "4", "--device", "cpu"]))


def assert_same_session(app, cli) -> None:
    """Both routes run the same thing: config (model label included), what is loaded, weights, first step."""
    assert app.config == cli.config
    assert app.config.label() == cli.config.label() and "step 200" in app.config.model
    assert app.loaded.source == cli.loaded.source == "qmix_run"
    assert app.loaded.settings == cli.loaded.settings and app.loaded.settings.obs_last_action is True
    assert app.loaded.request.with_inputs(app.config) == cli.loaded.request.with_inputs(app.config)
    for key, value in cli.model.state_dict().items():
        torch.testing.assert_close(app.model.state_dict()[key], value, rtol=0, atol=0)
    app.step()
    cli.step()
    np.testing.assert_array_equal(app.frame.inputs, cli.frame.inputs)
    np.testing.assert_array_equal(app.frame.hidden, cli.frame.hidden)


def test_open_run_then_environment_in_the_app_plans_what_the_command_line_does(qtbot, make_window, run, monkeypatch):
    cli = cli_stepper("--checkpoint", str(run), "--env", "simple_spread", "--env-arg", f"n_agents={AGENTS}")
    assert cli.config.input_dim == INPUTS and cli.config.obs_last_action and not cli.config.obs_agent_id

    w = make_window(Config(batch_size=2, n_agents=AGENTS, hidden_dim=32, seed=4))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(run))
    w.acts.open_run.trigger()  # File → Open run folder: the seed's pattern inputs, now the run's agent
    assert w.files.model_source == "qmix_run" and "qmix_run" in w.windowTitle()
    assert w.files.use_environment("simple_spread", {"n_agents": str(AGENTS)})
    assert_same_session(w.stepper, cli)


def test_an_app_opened_on_a_checkpoint_knows_its_run_when_an_environment_is_chosen(qtbot, make_window, run):
    """``hiddenscope --checkpoint RUN``, then Use environment: as ``--checkpoint RUN --env …`` would run."""
    parts = session_parts(build_parser().parse_args(["--checkpoint", str(run), "--batch-size", "2", "--seed", "4"]))
    w = make_window(parts.pop("config"), **parts)
    assert w.files.model_source == "qmix_run" and w.files.run_settings.obs_last_action is True
    assert w.files.use_environment("simple_spread", {"n_agents": str(AGENTS)})
    cli = cli_stepper("--checkpoint", str(run), "--env", "simple_spread", "--env-arg", f"n_agents={AGENTS}")
    assert_same_session(w.stepper, cli)
    # File → Seed model plans the seed's agent on the same environment, as the command line without --checkpoint.
    assert w.files.use_seed_model()
    assert w.files.model_source == "" and w.files.run_settings is None
    assert w.stepper.config.family == "seed" and w.stepper.config.env == "simple_spread"
    assert w.stepper.config.input_dim == 30  # the seed model gets the bare observation
