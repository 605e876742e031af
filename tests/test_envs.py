"""The environment adapters against the real packages (the optional extras; the test extra installs them all)."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest
import torch

from hiddenscope.core.envs import (
    ENV_NAMES,
    EnvSpec,
    env_options,
    env_spec,
    episode_seed,
    make_env_batch,
    parse_env_options,
)
from hiddenscope.core.errors import ConfigError

PACKAGES = {"simple_spread": "mpe2", "lbf": "lbforaging", "rware": "rware", "vmas": "vmas"}
# Small, quick settings for each environment, with a step limit the tests cross.
SMALL = {
    "simple_spread": {"max_cycles": "10"},
    "lbf": {"max_episode_steps": "10", "action_masks": "true"},
    "rware": {"max_steps": "10"},
    "vmas": {"scenario": "balance", "max_steps": "10"},
}
# With every agent doing action 0 (no-op), these never end before their limit.
IDLE = {**SMALL, "vmas": {"scenario": "dispersion", "max_steps": "10"}}


def needs(name: str) -> None:
    pytest.importorskip(PACKAGES[name], reason=f'the {name} extra is not installed: pip install "hiddenscope[envs]"')


def random_actions(batch, steps: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, batch.n_actions, (batch.batch_size, batch.n_agents)) for _ in range(steps)]


def run(batch, seed: int, actions: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    first = batch.reset(seed)
    steps = [batch.step(a) for a in actions]
    obs = np.stack([first] + [s[0] for s in steps])
    return obs, np.stack([s[1] for s in steps]), np.stack([s[2] for s in steps])


# ---- the registry -------------------------------------------------------------------------------------


def test_options_are_parsed_from_the_command_line_form():
    assert parse_env_options(["n_agents=3", "scenario=vmas:x=y", " max_steps = 5"]) == {
        "n_agents": "3",
        "scenario": "vmas:x=y",
        "max_steps": " 5",
    }
    with pytest.raises(ConfigError, match="key=value"):
        parse_env_options(["n_agents"])
    with pytest.raises(ConfigError, match="n_agents is given twice"):
        parse_env_options(["n_agents=3", "n_agents=4"])


def test_unknown_environment_names_the_known_ones():
    with pytest.raises(ConfigError, match="unknown environment 'smac'.*simple_spread, lbf, rware, vmas"):
        make_env_batch("smac", 1, 0, {})


@pytest.mark.parametrize("name", ENV_NAMES)
def test_bad_options_name_the_key(name):
    needs(name)
    keys = [o.key for o in env_options(name)]
    with pytest.raises(ConfigError, match="bogus") as error:
        make_env_batch(name, 1, 0, {**SMALL[name], "bogus": "1"})
    assert "\n" not in str(error.value)
    if name != "vmas":  # VMAS passes other keys to its scenario, and says which one it did not take
        assert all(k in str(error.value) for k in keys)
    int_key = {"simple_spread": "max_cycles", "lbf": "players", "rware": "agents", "vmas": "max_steps"}[name]
    with pytest.raises(ConfigError, match=f"{int_key}='three'.*whole number"):
        make_env_batch(name, 1, 0, {int_key: "three"})
    with pytest.raises(ConfigError, match=f"{int_key}='-1'.*at least"):
        env_spec(name, {int_key: "-1"})


def test_choices_and_booleans_are_checked():
    needs("rware")
    needs("lbf")
    with pytest.raises(ConfigError, match="size='huge'.*tiny, small, medium, large"):
        env_spec("rware", {"size": "huge"})
    with pytest.raises(ConfigError, match="force_coop='maybe'.*true or false"):
        env_spec("lbf", {"force_coop": "maybe"})


def test_a_missing_package_gives_the_install_line(monkeypatch):
    for module in [m for m in sys.modules if m == "lbforaging" or m.startswith("lbforaging.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "lbforaging", None)  # import lbforaging now raises ImportError
    from hiddenscope.core.errors import install_command

    with pytest.raises(ConfigError) as refused:
        make_env_batch("lbf", 1, 0, {})
    assert install_command("lbf") in str(refused.value)  # the exact command for this Python (the checkout's venv)
    assert "[lbf]" in install_command("lbf") and "pip install" in install_command("lbf")


def test_episode_seeds_start_at_seed_plus_row_and_never_repeat():
    assert [episode_seed(7, r, 0) for r in range(3)] == [7, 8, 9]
    later = {episode_seed(7, r, k) for r in range(50) for k in range(1, 50)}
    assert len(later) == 50 * 49
    assert episode_seed(7, 1, 1) == episode_seed(7, 1, 1)


# ---- every environment -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENV_NAMES)
def test_shapes_dtypes_and_spec(name):
    needs(name)
    batch = make_env_batch(name, 3, 0, SMALL[name])
    try:
        spec = env_spec(name, SMALL[name])
        assert isinstance(spec, EnvSpec)
        assert (spec.n_agents, spec.obs_dim, spec.n_actions, spec.episode_limit) == (
            batch.n_agents,
            batch.obs_dim,
            batch.n_actions,
            batch.episode_limit,
        )
        assert spec.episode_limit == 10
        obs = batch.reset(0)
        assert obs.shape == (3, batch.n_agents, batch.obs_dim) and obs.dtype == np.float32
        for actions in random_actions(batch, 12, 1):
            masks = batch.available_actions()
            assert spec.has_action_masks == (masks is not None)
            if masks is not None:
                assert masks.shape == (3, batch.n_agents, batch.n_actions) and masks.dtype == bool
                assert masks[..., 0].all()  # doing nothing is always allowed
            obs, rewards, done = batch.step(actions)
            assert obs.shape == (3, batch.n_agents, batch.obs_dim) and obs.dtype == np.float32
            assert rewards.shape == (3,) and rewards.dtype == np.float64
            assert done.shape == (3,) and done.dtype == bool
        assert batch.name.startswith(name)
        text = batch.describe()
        assert isinstance(text, str) and "\n" not in text and "3 environments" in text
        with pytest.raises(ValueError, match="shape"):
            batch.step(np.zeros((2, batch.n_agents), np.int64))
        with pytest.raises(ValueError, match="lie in"):
            batch.step(np.full((3, batch.n_agents), batch.n_actions, np.int64))
    finally:
        batch.close()


def test_sizes_at_the_defaults():
    for name, sizes in {
        "simple_spread": (3, 18, 5, 25, False),
        "lbf": (2, 15, 6, 50, False),
        "rware": (2, 71, 5, 500, False),
        "vmas": (3, 16, 9, 100, False),
    }.items():
        needs(name)
        assert env_spec(name) == EnvSpec(*sizes), name
    assert env_spec("simple_spread", {"n_agents": "4"}).obs_dim == 24
    assert env_spec("lbf", {"players": "3", "food": "2"}).obs_dim == 15
    assert env_spec("vmas:transport").n_agents == 4


@pytest.mark.parametrize("name", ENV_NAMES)
def test_the_same_seed_gives_the_same_run(name):
    needs(name)
    a = make_env_batch(name, 3, 5, SMALL[name])
    b = make_env_batch(name, 3, 5, SMALL[name])
    actions = random_actions(a, 60, 2)
    first = run(a, 5, actions)
    second = run(b, 5, actions)
    for x, y in zip(first, second, strict=True):
        np.testing.assert_array_equal(x, y)
    assert first[2].sum() >= 3 * 5  # several episodes in each row
    again = run(a, 5, actions)  # the same batch, reset again
    for x, y in zip(first, again, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a.reset(6), first[0][0])
    a.close()
    b.close()


# ---- one package environment driven alone, with the seeds the adapters document ----------------------


def raw_env(name: str, options: dict[str, str]):
    """A fresh environment of the package itself, and functions to reset and step it as one batch row."""
    if name == "simple_spread":
        from mpe2 import simple_spread_v3

        env = simple_spread_v3.parallel_env(N=3, max_cycles=int(options["max_cycles"]), continuous_actions=False)
        agents = env.possible_agents

        def reset(seed):
            obs, _ = env.reset(seed=seed)
            return np.stack([obs[a] for a in agents])

        def step(actions):
            obs, rew, term, trunc, _ = env.step({a: int(x) for a, x in zip(agents, actions, strict=True)})
            done = not env.agents or any(term.values()) or any(trunc.values())
            return (None if done else np.stack([obs[a] for a in agents])), sum(rew.values()), done

        return reset, step
    import gymnasium as gym

    if name == "lbf":
        import lbforaging  # noqa: F401  (registers the ids)
        from lbforaging.foraging import ForagingEnv

        size, food = options.get("size", "8"), options.get("food", "3")
        kwargs = dict(gym.spec(f"Foraging-{size}x{size}-2p-{food}f-v3").kwargs)
        env = ForagingEnv(**{**kwargs, "max_episode_steps": int(options["max_episode_steps"])})
    else:
        import rware  # noqa: F401
        from rware.warehouse import Warehouse

        env = Warehouse(**{**gym.spec("rware-tiny-2ag-v2").kwargs, "max_steps": int(options["max_steps"])})

    def reset(seed):
        return np.stack(env.reset(seed=seed)[0])

    def step(actions):
        obs, rew, done, trunc, _ = env.step([int(x) for x in actions])
        return (None if done or trunc else np.stack(obs)), sum(rew), done or trunc

    return reset, step


def replay_row(name, options, seed, row, actions):
    """Row ``row`` of a run, from fresh package environments: each episode a new one seeded as documented."""
    episode = 0
    reset, step = raw_env(name, options)
    observations = [reset(episode_seed(seed, row, 0))]
    rewards, dones = [], []
    for a in actions:
        obs, reward, done = step(a[row])
        if done:
            episode += 1
            reset, step = raw_env(name, options)
            obs = reset(episode_seed(seed, row, episode))
        observations.append(obs)
        rewards.append(reward)
        dones.append(done)
    return np.stack(observations), np.array(rewards), np.array(dones)


@pytest.mark.parametrize(
    "name, options",
    [
        ("simple_spread", SMALL["simple_spread"]),
        ("rware", SMALL["rware"]),
        # a small field with one food: some rows eat it early, while the others go on
        ("lbf", {"size": "5", "food": "1", "max_episode_steps": "12"}),
    ],
)
def test_each_row_is_its_own_environment_with_the_documented_seeds(name, options):
    needs(name)
    batch = make_env_batch(name, 4, 3, options)
    actions = random_actions(batch, 40, 4)
    obs, rewards, done = run(batch, 3, actions)
    for row in range(4):
        want = replay_row(name, options, 3, row, actions)
        np.testing.assert_array_equal(obs[:, row], want[0].astype(np.float32), err_msg=f"row {row}")
        np.testing.assert_allclose(rewards[:, row], want[1], err_msg=f"row {row}")
        np.testing.assert_array_equal(done[:, row], want[2], err_msg=f"row {row}")
    if name == "lbf":
        assert (done.any(axis=1) & ~done.all(axis=1)).any(), "no step where only some rows ended"
        assert rewards.sum() > 0
    batch.close()


@pytest.mark.parametrize("name", ENV_NAMES)
def test_an_episode_ends_at_its_limit_and_the_next_one_starts_fresh(name):
    needs(name)
    options = IDLE[name]
    batch = make_env_batch(name, 2, 11, options)
    first = batch.reset(11)
    idle = np.zeros((2, batch.n_agents), np.int64)
    for t in range(1, 11):
        obs, _, done = batch.step(idle)
        assert done.tolist() == [t == 10] * 2, f"step {t}"
    assert batch.last_truncated.tolist() == [True, True]
    assert batch.episodes.tolist() == [1, 1]
    if name == "vmas":
        # VMAS seeds the whole simulator once; when every row ends, one vectorised reset from that stream
        import vmas

        env = vmas.make_env("dispersion", num_envs=2, continuous_actions=False, seed=11, max_steps=10)
        np.testing.assert_array_equal(torch.stack(env.reset(seed=11), 1).numpy(), first)
        for _ in range(10):
            env.step([torch.zeros(2, 1, dtype=torch.long)] * batch.n_agents)
        want = torch.stack(env.reset(), 1).numpy()
    else:
        want = np.stack([raw_env(name, options)[0](episode_seed(11, row, 1)) for row in range(2)])
    np.testing.assert_array_equal(obs, want)
    assert not np.array_equal(obs, first)
    obs, _, done = batch.step(idle)
    assert not done.any()
    batch.close()


# ---- VMAS ---------------------------------------------------------------------------------------------


def test_vmas_rows_that_go_on_keep_their_state_when_others_are_reset():
    """Many rows ending at once take one vectorised reset; the others' whole state is put back."""
    needs("vmas")
    options = {"scenario": "balance", "max_steps": "0"}
    a = make_env_batch("vmas", 16, 0, options)
    b = make_env_batch("vmas", 16, 0, options)
    actions = random_actions(a, 30, 9)
    for x in actions[:10]:
        a.step(x)
        b.step(x)
    ended = torch.zeros(16, dtype=torch.bool)
    ended[[1, 4, 5, 9, 12]] = True
    assert int(ended.sum()) > a.ROW_RESETS
    observe = dict(get_observations=True, get_rewards=False, get_infos=False, get_dones=False)
    with a._own_rng():
        a._end(ended, ended.nonzero().flatten())
        after = torch.stack(a.env.get_from_scenario(**observe)[0], 1).numpy()
    with b._own_rng():
        before = torch.stack(b.env.get_from_scenario(**observe)[0], 1).numpy()
    keep = ~ended.numpy()
    np.testing.assert_array_equal(after[keep], before[keep])
    assert not np.isclose(after[~keep], before[~keep]).all(axis=(1, 2)).any()
    assert (a.env.steps[ended] == 0).all() and (a.env.steps[~ended] == 10).all()
    going = keep.copy()
    for x in actions[10:]:  # the rows that went on move exactly as in the batch that reset nothing
        obs_a, rewards_a, done_a = a.step(x)
        obs_b, rewards_b, done_b = b.step(x)
        np.testing.assert_array_equal(obs_a[going], obs_b[going])
        np.testing.assert_array_equal(rewards_a[going], rewards_b[going])
        np.testing.assert_array_equal(done_a[going], done_b[going])
        going &= ~done_a
    assert going.sum() >= 5


def test_vmas_batches_do_not_share_randomness():
    needs("vmas")
    a = make_env_batch("vmas", 4, 1, SMALL["vmas"])
    actions = random_actions(a, 25, 3)
    alone = run(a, 1, actions)
    b = make_env_batch("vmas", 4, 2, SMALL["vmas"])
    first = [a.reset(1)]
    b.reset(2)
    steps = []
    for x in actions:
        steps.append(a.step(x))
        torch.rand(3)  # the model's own randomness in between
        b.step(x)
    np.testing.assert_array_equal(np.stack(first + [s[0] for s in steps]), alone[0])
    np.testing.assert_array_equal(np.stack([s[2] for s in steps]), alone[2])


def test_vmas_tensors_stay_on_the_device_and_scenarios_are_checked():
    needs("vmas")
    batch = make_env_batch("vmas:transport", 5, 0, {"max_steps": "4"})
    assert batch.name == "vmas:transport" and batch.device == torch.device("cpu")
    obs = batch.reset_tensors(0)
    assert obs.shape == (5, 4, 11) and obs.dtype == torch.float32
    obs, rewards, done = batch.step_tensors(torch.zeros(5, 4, dtype=torch.long))
    assert rewards.dtype == torch.float64 and done.dtype == torch.bool
    with pytest.raises(ConfigError, match="different sizes"):
        env_spec("vmas:simple_adversary")
    with pytest.raises(ConfigError, match="no scenario 'nope'.*balance"):
        env_spec("vmas", {"scenario": "nope"})
    with pytest.raises(ConfigError, match="give_way does not take n_agents"):
        env_spec("vmas:give_way", {"n_agents": "3"})
    assert env_spec("vmas:balance", {"package_mass": "2"}).n_agents == 3  # a scenario keyword passes through
    with pytest.raises(ConfigError, match="vmas:balance with .*package_mass.*cannot"):
        env_spec("vmas:balance", {"package_mass": "heavy"})
    with pytest.raises(ConfigError, match="no CUDA|not a torch device"):
        make_env_batch("vmas", 1, 0, {}, device="cuda" if not torch.cuda.is_available() else "nonsense")


def test_imports_stay_lazy():
    """Importing the registry loads no environment package (each is an optional extra)."""
    import subprocess

    packages = "('mpe2', 'lbforaging', 'rware', 'vmas')"
    code = f"import sys, hiddenscope.core.envs; print([m for m in {packages} if m in sys.modules])"

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert importlib.import_module("hiddenscope.core.envs").ENV_NAMES == ENV_NAMES


def test_vmas_steps_on_its_own_cpu_threads_and_gives_the_process_its_threads_back():
    needs("vmas")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        env = make_env_batch("vmas", 8, 0, {}, device="cpu")
        seen = []
        original = env.env.step
        env.env.step = lambda *a, **k: (seen.append(torch.get_num_threads()), original(*a, **k))[1]
        env.step(np.zeros((8, env.n_agents), np.int64))
        assert env.cpu_threads in (1, None)  # its choice for this scenario on this machine
        assert seen == [env.cpu_threads or 2] and torch.get_num_threads() == 2
        env.close()
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("scenario", ["navigation", "transport"])
def test_vmas_gives_the_same_numbers_on_one_thread_and_on_all(scenario):
    """The adapter picks its thread count by timing: that may change the speed, never what a run shows.

    At 1024 environments VMAS's bigger ops are split over the threads (navigation steps about
    1.5 times faster on two), so both settings really run.
    """
    needs("vmas")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        runs = []
        for threads in (1, None):
            env = make_env_batch("vmas", 1024, 0, {"scenario": scenario}, device="cpu")
            env.cpu_threads = threads
            assert env.simulator_threads() == threads  # 1, or None: the process's 2
            seen = [env.reset(3)]
            rng = np.random.default_rng(5)
            for _ in range(12):
                seen.extend(env.step(rng.integers(0, env.n_actions, size=(1024, env.n_agents))))
            env.close()
            runs.append(seen)
        assert all(np.array_equal(a, b) for a, b in zip(*runs, strict=True))
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("name", ["vmas", "simple_spread"])
def test_a_sessions_config_says_whether_a_terminal_step_ran(name, tmp_path):
    """VMAS holds no terminal observation, so its runs step on without one; the file says what ran."""
    import json

    import h5py

    from hiddenscope.cli import main

    needs(name)
    args = [f"{k}={v}" for k, v in SMALL[name].items()]
    out = tmp_path / "run.h5"
    argv = ["--env", name, *sum((["--env-arg", a] for a in args), []), "--batch-size", "2", "--device", "cpu"]
    assert main([*argv, "export", "--steps", "12", "--out", str(out)]) == 0
    with h5py.File(out, "r") as f:
        config = json.loads(f.attrs["config"])
    assert config["terminal_step"] is (name != "vmas")
