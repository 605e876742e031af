"""A live MPE simple_spread episode stepped end to end (the optional mpe2 extra; CI installs it)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hiddenscope.core import Config, ConfigError, Stepper

mpe2 = pytest.importorskip("mpe2", reason='the MPE extra is not installed: pip install "hiddenscope[mpe]"')

from hiddenscope.core.checkpoint import PyMARLAgent, checkpoint_factory  # noqa: E402
from hiddenscope.core.env_inputs import MAX_CYCLES, mpe_inputs_factory  # noqa: E402


def test_a_pymarl_agent_plays_simple_spread_across_an_episode_boundary(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "agent.th"
    torch.save(PyMARLAgent(18, 64, 5).state_dict(), path)
    model_factory, config = checkpoint_factory(path, Config(batch_size=2, n_agents=3))
    input_factory, config = mpe_inputs_factory(config)
    assert config.input_dim == 18
    stepper = Stepper(config, model_factory=model_factory, input_factory=input_factory)
    stepper.run(MAX_CYCLES + 5)
    env = stepper.source
    assert env.episodes >= 2  # both batch rows finished an episode and started again
    observations = np.stack([stepper.history.frame(t).inputs for t in range(1, 6)])
    assert not np.allclose(observations[0], observations[-1])  # the world moved
    q = stepper.frame.output
    assert q.shape == (2, 3, 5)
    # The agents acted greedily on their Q-values.
    np.testing.assert_array_equal(env.pending, q.argmax(axis=-1))


def test_the_seed_model_acts_at_random_and_the_same_seed_replays_the_same_episode():
    runs = []
    for _ in range(2):
        factory, config = mpe_inputs_factory(Config(batch_size=2, n_agents=3))
        stepper = Stepper(config, input_factory=factory)
        stepper.run(8)
        runs.append(stepper.frame.hidden.copy())
    np.testing.assert_array_equal(runs[0], runs[1])


def test_an_input_size_that_does_not_fit_the_environment_is_explained():
    factory, config = mpe_inputs_factory(Config(batch_size=1, n_agents=3))
    with pytest.raises(ConfigError, match="observes 18 numbers per agent; input size 16 does not fit"):
        Stepper(config.replace(input_dim=16), input_factory=factory)
