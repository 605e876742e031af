"""The demo agent in the box (resources/demo/, ``hiddenscope --demo``) is a real trained agent the planner loads."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from hiddenscope.cli import main
from hiddenscope.core.demo import DEMO_ENV, demo_folder, demo_request
from hiddenscope.core.errors import UserError
from hiddenscope.core.plan import Request, plan
from hiddenscope.core.stepper import Stepper

pytest.importorskip("mpe2")

STEPS, ROWS = 400, 4


def total_reward(checkpoint: str, seed: int = 0) -> float:
    """Every reward the agent's team earns in ``STEPS`` steps of ``ROWS`` environments, run as the app runs them."""
    planned = plan(Request(checkpoint=checkpoint, env=DEMO_ENV, batch_size=ROWS, seed=seed, device="cpu"))
    stepper = Stepper(
        planned.config, planned.model_factory, planned.input_factory, tracing=False, loaded=planned.loaded
    )
    try:
        stepper.run(STEPS)
        total = 0.0
        for row in range(ROWS):
            _, tracks = stepper.episode_tracks(row, span=STEPS)
            total += float(np.nansum(tracks["rewards"]))
        return total
    finally:
        stepper.source.close()


def test_the_demo_is_a_small_pymarl_step_folder_with_its_config_and_curve():
    folder = demo_folder()
    assert (folder / "agent.th").stat().st_size < 300_000
    settings = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert settings["agent"] == "rnn" and settings["obs_last_action"] and settings["obs_agent_id"]
    assert settings["mixer"] == "vdn" and settings["env"] == DEMO_ENV
    assert (folder / "training_curve.csv").read_text(encoding="utf-8").startswith("episodes,env_steps,")
    planned = plan(demo_request(Request(batch_size=2, device="cpu")))
    c = planned.config
    assert (c.family, c.env, c.n_agents, c.input_dim, c.hidden_dim, c.n_actions) == ("pymarl", DEMO_ENV, 3, 26, 64, 5)
    assert c.obs_last_action and c.obs_agent_id and c.actions == "greedy"


def test_the_demo_agent_clearly_beats_an_untrained_agent_of_its_layout(tmp_path):
    trained = total_reward(str(demo_folder()))
    untrained = []
    for seed in (0, 1):
        folder = tmp_path / f"untrained{seed}"
        folder.mkdir()
        shutil.copy(demo_folder() / "config.json", folder / "config.json")
        torch.manual_seed(seed)
        from hiddenscope.core.agents.pymarl import RNNAgent

        torch.save(RNNAgent(26, 64, 5).state_dict(), folder / "agent.th")
        untrained.append(total_reward(str(folder)))
    # simple_spread's rewards are negative (distances to the landmarks, collisions): higher is better.
    best_untrained = max(untrained)
    assert trained > best_untrained + 0.25 * abs(best_untrained), (trained, untrained)


def test_the_demo_refuses_a_model_or_inputs_of_its_own():
    with pytest.raises(UserError, match="--checkpoint cannot go with it"):
        demo_request(Request(checkpoint="x.th"))
    with pytest.raises(UserError, match="not in lbf"):
        demo_request(Request(env="lbf"))
    assert demo_request(Request(env=DEMO_ENV, env_args=["max_cycles=50"])).env_args == ["max_cycles=50"]


def test_demo_commands_work_as_with_any_checkpoint(tmp_path, capsys):
    shot = tmp_path / "demo.png"
    small = ["--demo", "--batch-size", "2", "--device", "cpu"]
    assert main([*small, "screenshot", "--steps", "3", "--out", str(shot)]) == 0
    assert shot.read_bytes().startswith(b"\x89PNG")
    out = tmp_path / "demo.npz"
    assert main([*small, "export", "--steps", "30", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "episodes: 2 finished" in printed and "simple_spread" in printed
    frames = tmp_path / "frames"
    assert main(["--demo", "--batch-size", "2", "movie", "--steps", "2", "--frames", str(frames)]) == 0
    assert len(list(frames.glob("t*.png"))) == 3


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--demo", "--checkpoint", "agent.th", "shapes"], "--checkpoint cannot go with it"),
        (["--demo", "compare", "a.h5", "b.h5"], "not with compare"),
        (["--demo", "screenshot", "--session", "run.h5", "--out", "x.png"], "not with --session"),
    ],
)
def test_demo_mistakes_are_one_line_and_exit_2(argv, says, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1
