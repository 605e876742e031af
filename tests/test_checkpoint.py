"""Trained agents from disk: PyMARL RNNAgent, the seed model's state_dict, safetensors, plug-ins.

Every checkpoint is written here with torch.save or safetensors; nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from hiddenscope.cli import main
from hiddenscope.core import CheckpointError, Config, ConfigError, Stepper
from hiddenscope.core.agents.pymarl import RNNAgent
from hiddenscope.core.checkpoint import (
    checkpoint_factory,
    detect_kind,
    load_state_dict_file,
    plugin_factory,
)
from hiddenscope.core.model import CondAgent


@pytest.fixture
def pymarl_th(tmp_path):
    torch.manual_seed(1)
    path = tmp_path / "agent.th"
    torch.save(RNNAgent(30, 64, 5).state_dict(), path)
    return path


def test_pymarl_checkpoint_through_the_cli_traces_64_units(pymarl_th, capsys):
    assert (
        main(
            ["shapes", "--steps", "2", "--json", "--checkpoint", str(pymarl_th), "--batch-size", "4", "--n-agents", "3"]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    init = [r for r in doc["records"] if r["phase"] == "init"]
    assert [tuple(r["shape"]) for r in init] == [(1, 64), (1, 64), (1, 1, 64), (4, 3, 64)]
    assert init[-1]["stride"] == [0, 0, 1]
    step1 = [r for r in doc["records"] if r["step"] == 1 and r["phase"] == "forward"]
    new_hidden = [r for r in step1 if r["role"] == "new hidden"]
    assert len(new_hidden) == 1 and new_hidden[0]["shape"] == [12, 64]
    assert "self.rnn(x, h_in)" in new_hidden[0]["code"]
    outputs = [r["shape"] for r in step1 if r["role"] == "output"]
    assert outputs == [[12, 5], [4, 3, 5]]  # fc2's Q-values, then viewed per agent as BasicMAC does
    assert doc["config"]["input_dim"] == 30 and doc["config"]["units"] == 64


def test_pymarl_agent_steps_the_way_pymarl_would(pymarl_th):
    factory, config = checkpoint_factory(pymarl_th, Config(batch_size=2, n_agents=3))
    stepper = Stepper(config, model_factory=factory)
    stepper.run(3)
    agent = RNNAgent(30, 64, 5)
    agent.load_state_dict(torch.load(pymarl_th, weights_only=True))
    hidden = agent.init_hidden().unsqueeze(0).expand(2, 3, -1)
    with torch.no_grad():
        for t in range(3):
            q, hidden = agent(torch.from_numpy(stepper.source.inputs(t)).reshape(6, -1), hidden)
    np.testing.assert_allclose(stepper.frame.hidden, hidden.reshape(2, 3, 64).numpy(), atol=1e-6)
    np.testing.assert_allclose(stepper.frame.output, q.reshape(2, 3, 5).numpy(), atol=1e-6)
    assert stepper.units == 64


def test_a_pickle_carrying_code_is_refused_and_the_code_does_not_run(tmp_path, capsys):
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    evil = tmp_path / "evil.th"
    torch.save({"fc1.weight": Payload()}, evil)
    with pytest.raises(CheckpointError, match="not only tensors.*nothing in it was run"):
        load_state_dict_file(evil)
    assert main(["shapes", "--checkpoint", str(evil)]) == 2
    assert "refused" in capsys.readouterr().err
    assert not marker.exists()


@pytest.mark.parametrize(
    "damage, words",
    [
        (lambda p: p.write_bytes(b""), "is empty"),
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "corrupted, truncated"),
        (lambda p: p.write_bytes(b"definitely not a checkpoint"), "corrupted, truncated"),
        (lambda p: p.unlink(), "does not exist"),
        (
            lambda p: torch.save({"fc1.weight": torch.zeros(2, 2)}, p),
            "looks like a PyMARL-family agent (fc1 → rnn → fc2) but lacks fc1.bias",
        ),
        (lambda p: torch.save([1, 2, 3], p), "does not hold a state_dict"),
        (
            lambda p: torch.save({**torch.load(p, weights_only=True), "rnn.weight_hh": torch.zeros(192, 63)}, p),
            "rnn.weight_hh has shape (192, 63)",
        ),
        (
            lambda p: torch.save({**torch.load(p, weights_only=True), "fc2.bias": torch.zeros(7)}, p),
            "fc2.bias has shape (7,), but the rest of the model needs (5,)",
        ),
    ],
    ids=["empty", "truncated", "garbage", "missing", "wrong keys", "not a dict", "wrong hidden shape", "wrong bias"],
)
def test_broken_checkpoints_name_what_is_wrong(pymarl_th, damage, words, capsys):
    damage(pymarl_th)
    with pytest.raises(CheckpointError, match=words.replace("(", r"\(").replace(")", r"\)")):
        checkpoint_factory(pymarl_th, Config())
    assert main(["shapes", "--checkpoint", str(pymarl_th)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "weights_only" not in err  # PyTorch's advice to switch the safe loader off is never passed on


def test_seed_state_dict_round_trip_gives_the_same_numbers(tmp_path):
    original = Stepper(Config(batch_size=3, n_agents=2, hidden_dim=40, input_dim=7, seed=5))
    path = tmp_path / "seed.pt"
    torch.save(original.model.state_dict(), path)
    original.run(4)
    factory, config = checkpoint_factory(path, Config(batch_size=3, n_agents=2, seed=5))
    assert (config.input_dim, config.hidden_dim, config.units) == (7, 40, 30)
    loaded = Stepper(config, model_factory=factory)
    loaded.run(4)
    np.testing.assert_array_equal(loaded.frame.hidden, original.frame.hidden)


def test_safetensors_round_trip(tmp_path):
    torch.manual_seed(0)
    agent = RNNAgent(12, 64, 4)
    path = tmp_path / "agent.safetensors"
    save_file({k: v.contiguous() for k, v in agent.state_dict().items()}, str(path))
    factory, config = checkpoint_factory(path, Config(batch_size=2, n_agents=2))
    stepper = Stepper(config, model_factory=factory)
    assert stepper.units == 64 and config.input_dim == 12
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{broken")
    with pytest.raises(CheckpointError, match="not a valid .safetensors"):
        load_state_dict_file(bad)


def test_a_failed_load_keeps_the_model_on_screen(pymarl_th, tmp_path):
    stepper = Stepper(Config(batch_size=2, n_agents=2))
    stepper.run(2)
    before = stepper.frame.hidden.copy()
    broken = tmp_path / "broken.th"
    broken.write_bytes(b"\x00" * 100)
    with pytest.raises(CheckpointError):
        factory, config = checkpoint_factory(broken, stepper.config)
    # A checkpoint that loads but cannot take this configuration's inputs is refused by the rebuild.
    factory, config = checkpoint_factory(pymarl_th, stepper.config)
    with pytest.raises(ConfigError, match="takes 30 inputs per agent"):
        stepper.set_model_factory(factory, config.replace(input_dim=16))
    assert isinstance(stepper.model, CondAgent) and stepper.t == 2
    np.testing.assert_array_equal(stepper.frame.hidden, before)


def test_plugin_model_is_built_by_its_factory(tmp_path, monkeypatch):
    (tmp_path / "my_agents.py").write_text(
        "from hiddenscope.core.model import CondAgent\n"
        "def build(config):\n    return CondAgent(config.input_dim, config.n_agents, 64)\n"
        "def broken(config):\n    raise ValueError('no such size')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    stepper = Stepper(Config(batch_size=2, n_agents=2), model_factory=plugin_factory("my_agents:build"))
    assert stepper.units == 48
    with pytest.raises(ConfigError, match="no such size"):
        Stepper(Config(), model_factory=plugin_factory("my_agents:broken"))
    for spec, words in [
        ("nonsense", "package.module:factory"),
        ("no_such_module_xyz:f", "cannot import"),
        ("my_agents:nope", "no callable"),
    ]:
        with pytest.raises(ConfigError, match=words):
            plugin_factory(spec)
    sys.modules.pop("my_agents", None)


def _refused_on_the_cli(path, capsys) -> str:
    assert main(["shapes", "--steps", "1", "--checkpoint", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("hiddenscope: error: ") and "Traceback" not in err
    return err


def _touch(path):
    """Stands in for any code a malicious pickle would run: it leaves a file behind."""
    open(path, "w").close()


@pytest.mark.parametrize("legacy", [False, True], ids=["zip format", "legacy format"])
def test_a_pickled_function_call_is_refused_in_either_torch_format(tmp_path, legacy, capsys):
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (_touch, (str(marker),))

    evil = tmp_path / "evil.pt"
    torch.save({"state_dict": {"fc1.weight": Payload()}}, evil, _use_new_zipfile_serialization=not legacy)
    with pytest.raises(CheckpointError, match=r"not only tensors.*nothing in it was run \(it names [\w.]*_touch\)"):
        load_state_dict_file(evil)
    assert "refused" in _refused_on_the_cli(evil, capsys)
    assert not marker.exists()


def test_every_truncation_is_refused_and_a_flipped_byte_is_never_an_unexplained_error(pymarl_th, tmp_path):
    data = pymarl_th.read_bytes()
    rng = np.random.default_rng(0)
    target = tmp_path / "damaged.th"
    for cut in sorted({*range(1, 64), *rng.integers(1, len(data), 40).tolist()}):
        target.write_bytes(data[:cut])
        with pytest.raises(CheckpointError) as info:
            checkpoint_factory(target, Config())
        assert str(target) in str(info.value), f"cut at byte {cut}"
    for i in rng.integers(0, len(data), 40):
        flipped = bytearray(data)
        flipped[i] ^= 0xFF
        target.write_bytes(bytes(flipped))
        # A flipped byte inside a weight's numbers still loads (those are just other numbers; the
        # format has no checksum); anywhere else it is refused with the file named, never a traceback.
        try:
            checkpoint_factory(target, Config())
        except CheckpointError as exc:
            assert str(target) in str(exc)


@pytest.mark.parametrize(
    "change, words",
    [
        (
            lambda sd: {**sd, "attention.weight": torch.ones(64)},
            "looks like a PyMARL-family agent (fc1 → rnn → fc2) but also has attention.weight",
        ),
        (
            lambda sd: {k: v for k, v in sd.items() if k != "rnn.bias_hh"},
            "looks like a PyMARL-family agent (fc1 → rnn → fc2) but lacks rnn.bias_hh",
        ),
        (
            lambda sd: {**sd, "fc2.bias": torch.zeros(5, dtype=torch.int64)},
            "fc2.bias holds int64 values; weights must be floating point",
        ),
        (
            lambda sd: {**sd, "fc1.weight": torch.zeros(64)},
            "fc1.weight has shape (64,), but a weight matrix must be (out, in)",
        ),
        (
            lambda sd: {**sd, "rnn.weight_ih": torch.zeros(192, 30)},
            "rnn.weight_ih has shape (192, 30), but the rest of the model needs (192, 64)",
        ),
        (
            lambda sd: {**sd, "rnn.bias_ih": torch.zeros(191)},
            "rnn.bias_ih has shape (191,), but the rest of the model needs (192,)",
        ),
    ],
    ids=["extra key", "missing key", "int weights", "1-D fc1", "weight_ih", "bias_ih"],
)
def test_state_dicts_that_do_not_fit_name_the_key(pymarl_th, change, words, capsys):
    sd = change(torch.load(pymarl_th, weights_only=True))
    with pytest.raises(CheckpointError, match=words.replace("(", r"\(").replace(")", r"\)")):
        detect_kind(sd, pymarl_th)
    torch.save(sd, pymarl_th)
    assert words in _refused_on_the_cli(pymarl_th, capsys)


def test_detect_kind_and_the_sizes_it_reads(pymarl_th, tmp_path):
    assert detect_kind(torch.load(pymarl_th, weights_only=True)) == "pymarl"
    seed = CondAgent(7, 2, 40).state_dict()
    assert detect_kind(seed) == "seed"
    with pytest.raises(CheckpointError, match=r"has 64 units, which no _hidden_dim gives"):
        gru = torch.nn.GRUCell(7, 64)
        detect_kind({f"cond_rnn.f.{k}": v for k, v in gru.state_dict().items()})
    with pytest.raises(CheckpointError, match=r"not an agent hiddenscope knows: it has alpha, beta"):
        detect_kind({"alpha": torch.zeros(1), "beta": torch.zeros(1)})


def test_checkpoint_sizes_fill_in_what_the_command_line_leaves_out(pymarl_th, capsys):
    argv = ["shapes", "--steps", "1", "--json", "--checkpoint", str(pymarl_th)]
    assert main(argv + ["--batch-size", "2", "--n-agents", "2"]) == 0
    config = json.loads(capsys.readouterr().out)["config"]
    assert (config["input_dim"], config["units"], config["batch_size"], config["n_agents"]) == (30, 64, 2, 2)
    assert "PyMARL RNNAgent agent.th" in config["model"]


def test_nested_legacy_and_data_parallel_checkpoints_load(tmp_path):
    torch.manual_seed(3)
    sd = RNNAgent(9, 32, 4).state_dict()
    variants = {
        "nested.th": ({"state_dict": sd, "epoch": 12}, {}),
        "legacy.th": (sd, {"_use_new_zipfile_serialization": False}),
        "parallel.pth": ({f"module.{k}": v for k, v in sd.items()}, {}),
    }
    for name, (obj, options) in variants.items():
        torch.save(obj, tmp_path / name, **options)
        loaded = load_state_dict_file(tmp_path / name)
        assert sorted(loaded) == sorted(sd) and all(torch.equal(loaded[k], sd[k]) for k in sd), name
        factory, config = checkpoint_factory(tmp_path / name, Config(batch_size=1, n_agents=2))
        assert Stepper(config, model_factory=factory).units == 32


def test_a_folder_without_an_agent_says_what_pymarl_saves(tmp_path, capsys):
    with pytest.raises(CheckpointError, match="is a folder, not a file"):
        load_state_dict_file(tmp_path)
    assert "no agent.th and no numbered step folders" in _refused_on_the_cli(tmp_path, capsys)


def test_seed_checkpoint_as_safetensors_gives_the_same_numbers(tmp_path):
    original = Stepper(Config(batch_size=2, n_agents=3, hidden_dim=24, input_dim=5, seed=9, dtype="float64"))
    path = tmp_path / "seed.safetensors"
    save_file(original.model.state_dict(), str(path))
    original.run(3)
    factory, config = checkpoint_factory(path, Config(batch_size=2, n_agents=3, seed=9, dtype="float64"))
    assert (config.input_dim, config.hidden_dim) == (5, 24)
    loaded = Stepper(config, model_factory=factory)
    loaded.run(3)
    np.testing.assert_array_equal(loaded.frame.hidden, original.frame.hidden)
