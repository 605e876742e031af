"""Reading the memory, on planted data whose right answer is known: selection, similar moments, orderings,
clusters, trajectories and what tells agents apart."""

from __future__ import annotations

import numpy as np
import pytest

from hiddenscope.core import Config, ConfigError, Stepper
from hiddenscope.core.analysis import (
    agent_similarity,
    agent_trajectories,
    cluster_units,
    fit_pca,
    held_hidden,
    identity_units,
    order_units,
    select_units,
    similar_moments,
)
from hiddenscope.core.export import history_arrays

WINDOWS = [(10, 14), (40, 44), (70, 74)]


def planted_firing(seed: int = 0) -> np.ndarray:
    """(90, 4, 3, 32): quiet background; unit 7 fires (≈ +0.8) in agent 1, row 2 only inside WINDOWS;
    unit 20 goes to ≈ -0.8 there during the first window only."""
    rng = np.random.default_rng(seed)
    h = rng.normal(0, 0.15, size=(90, 4, 3, 32))
    h[:, :, :, 7] = rng.uniform(-0.2, 0.2, size=(90, 4, 3))
    for start, stop in WINDOWS:
        h[start : stop + 1, 2, 1, 7] = 0.8 + rng.uniform(-0.1, 0.1, size=stop - start + 1)
    h[10:15, 2, 1, 20] = -0.8
    return h.astype(np.float32)


def test_a_unit_firing_only_in_a_window_is_the_one_selected():
    h = planted_firing()
    picked = select_units(h, 10, 14, agents=[1], rows=[2])
    assert picked.units.tolist() == [7] and picked.signs.tolist() == [1]
    assert select_units(h, 10, 14, agents=[1], rows=[2], sign="negative").units.tolist() == [20]
    both = select_units(h, 10, 14, agents=[1], rows=[2], sign="both")
    assert both.units.tolist() == [7, 20] and both.signs.tolist() == [1, -1]
    # One step outside the window and unit 7 no longer stays above τ; nor in another agent.
    assert len(select_units(h, 9, 14, agents=[1], rows=[2])) == 0
    assert 7 not in select_units(h, 10, 14, agents=[0, 1], rows=[2]).units
    # A higher τ than the planted level keeps nothing.
    assert len(select_units(h, 10, 14, agents=[1], rows=[2], threshold=0.95)) == 0


def test_its_other_windows_are_the_top_similar_moments():
    h = planted_firing()
    picked = select_units(h, 10, 14, agents=[1], rows=[2])
    moments = similar_moments(h, picked, top=20)
    planted = {(t, 2, 1) for start, stop in WINDOWS[1:] for t in range(start, stop + 1)}
    assert {(m.t, m.row, m.agent) for m in moments} == planted  # and nothing that shares no unit
    for m in moments:  # the Jaccard index of the moment's active units with the selection, {7}
        active = set(np.flatnonzero(h[m.t, m.row, m.agent] > 0.3).tolist())
        assert m.score == pytest.approx(len(active & {7}) / len(active | {7}))
    assert [m.score for m in moments] == sorted((m.score for m in moments), reverse=True)
    # With the selection's own moments allowed, they are found too; timesteps follow ts.
    ts = np.arange(100, 190)
    again = similar_moments(h, picked, top=20, ts=ts, include_selected=True)
    assert {(m.t - 100, m.row, m.agent) for m in again} == planted | {(t, 2, 1) for t in range(10, 15)}
    assert len(similar_moments(h, picked, top=3)) == 3


def test_a_unit_planted_to_encode_agent_identity_ranks_first():
    rng = np.random.default_rng(1)
    t, batch, agents, units = 60, 4, 5, 16
    shared = np.cumsum(rng.normal(0, 0.1, size=(t, batch, 1, units)), axis=0)  # every agent moves the same way
    h = np.tanh(shared + rng.normal(0, 0.05, size=(t, batch, agents, units)))
    ids = np.arange(agents)
    h[:, :, :, 11] = 0.2 * ids - 0.4 + rng.normal(0, 0.02, size=(t, batch, agents))
    # A distractor: per-agent levels too, but it also swings a lot over time.
    h[:, :, :, 3] = 0.3 * ids - 0.6 + rng.normal(0, 0.5, size=(t, batch, agents))
    found = identity_units(h)
    assert found.order[0] == 11
    assert found.ratio[11] > 10 * found.ratio[3] > 0
    assert found.ratio[11] > 10 * np.delete(found.ratio, [3, 11]).max()


def test_agent_similarity_sees_equal_opposite_and_unrelated_agents():
    rng = np.random.default_rng(2)
    h = rng.normal(size=(6, 3, 4, 10))
    h[:, :, 1] = h[:, :, 0]
    h[:, :, 2] = -h[:, :, 0]
    for metric in ("correlation", "cosine"):
        s = agent_similarity(h, metric)
        assert s.shape == (6, 4, 4)
        np.testing.assert_allclose(s[:, 0, 1], 1.0, atol=1e-9)
        np.testing.assert_allclose(s[:, 0, 2], -1.0, atol=1e-9)
        np.testing.assert_allclose(np.diagonal(s, axis1=1, axis2=2), 1.0, atol=1e-9)
        assert np.abs(s[:, 0, 3]).max() < 0.6
        np.testing.assert_allclose(agent_similarity(h[2], metric), s[2])
    # Correlation ignores an agent's offset; cosine does not.
    h[:, :, 1] = h[:, :, 0] + 5.0
    assert agent_similarity(h, "correlation")[0, 0, 1] == pytest.approx(1.0)
    assert agent_similarity(h, "cosine")[0, 0, 1] < 0.5
    # At t = 0 every state is zero: nothing to compare.
    assert np.isnan(agent_similarity(np.zeros((3, 4, 10)))).all()


def planted_plane(rng: np.random.Generator, units: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.normal(size=(units, 2)))
    return q.T  # (2, units), orthonormal rows


def test_pca_of_a_planted_2d_trajectory_recovers_it_per_agent():
    rng = np.random.default_rng(3)
    t, batch, agents, units = 120, 2, 3, 48
    steps = np.arange(t)
    path = np.stack([np.cos(steps / 12) * (1 + steps / 100), 0.6 * np.sin(steps / 12)], axis=1)  # (T, 2), a spiral
    planes = [planted_plane(rng, units) for _ in range(agents)]
    h = np.empty((t, batch, agents, units))
    for a in range(agents):
        for r in range(batch):
            h[:, r, a] = 0.1 * a + path * (0.5 + 0.25 * r) @ planes[a] + rng.normal(0, 0.003, size=(t, units))
    trajectories = agent_trajectories(h, n_components=2)
    assert [tr.agent for tr in trajectories] == [0, 1, 2]
    for a, tr in enumerate(trajectories):
        assert tr.points.shape == (t, batch, 2)
        # Same plane: the projectors onto the fitted and the planted subspaces agree.
        fitted, planted = tr.pca.components.T @ tr.pca.components, planes[a].T @ planes[a]
        assert np.abs(fitted - planted).max() < 0.02
        assert tr.pca.explained_ratio.sum() > 0.98
        assert tr.pca.explained_variance[0] >= tr.pca.explained_variance[1]
        # Same shape up to rotation and sign: every distance between two points of row 0 is kept.
        want = path * 0.5
        got = tr.points[:, 0]
        d_want = np.linalg.norm(want[:, None] - want[None], axis=-1)
        d_got = np.linalg.norm(got[:, None] - got[None], axis=-1)
        assert np.abs(d_got - d_want).max() < 0.03
    # A state arriving later is placed with the fitted basis: its distance to the start is kept.
    later = 0.5 * np.array([np.cos(130 / 12) * 2.3, 0.6 * np.sin(130 / 12)]) @ planes[1]
    first = trajectories[1].pca.project(h[0, 0, 1])
    moved = np.linalg.norm(trajectories[1].pca.project(later) - first)
    assert moved == pytest.approx(
        np.linalg.norm(0.5 * np.array([np.cos(130 / 12) * 2.3, 0.6 * np.sin(130 / 12)]) - path[0] * 0.5), abs=0.05
    )
    # One basis for all agents cannot hold three different planes in two components.
    shared = agent_trajectories(h, n_components=2, shared=True)
    assert shared[0].pca is shared[2].pca and shared[0].pca.explained_ratio.sum() < 0.8


def test_fit_pca_is_stable_in_sign_and_leaves_out_non_finite_states():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(50, 6)) * np.array([3, 2, 1, 0.1, 0.1, 0.1])
    a, b = fit_pca(x, 3), fit_pca(x[::-1].copy(), 3)
    np.testing.assert_allclose(a.components, b.components, atol=1e-9)
    with_nan = np.vstack([x, np.full((1, 6), np.nan)])
    np.testing.assert_allclose(fit_pca(with_nan, 3).components, a.components, atol=1e-9)
    with pytest.raises(ConfigError, match="n_components"):
        fit_pca(x, 7)


def co_active_groups(seed: int = 5) -> tuple[np.ndarray, list[list[int]]]:
    """(80, 2, 2, 18): three groups of six units, each group following its own signal, indices interleaved."""
    rng = np.random.default_rng(seed)
    units = rng.permutation(18)
    groups = [sorted(units[i::3].tolist()) for i in range(3)]
    signals = np.cumsum(rng.normal(size=(3, 80, 2, 2)), axis=1)
    h = np.empty((80, 2, 2, 18))
    for g, members in enumerate(groups):
        for u in members:
            h[..., u] = np.tanh(0.3 * signals[g] * rng.uniform(0.5, 1.5) + rng.normal(0, 0.05, size=(80, 2, 2)))
    return h, groups


def test_clustering_groups_planted_co_active_units():
    h, groups = co_active_groups()
    order = order_units(h, "cluster").tolist()
    assert sorted(order) == list(range(18))
    for members in groups:  # each group sits together along the ordering
        positions = sorted(order.index(u) for u in members)
        assert positions[-1] - positions[0] == len(members) - 1
    labels = cluster_units(h, 3)
    found = sorted(sorted(np.flatnonzero(labels == k).tolist()) for k in range(3))
    assert found == sorted(groups)
    assert labels[order[0]] == 0 and labels[order[-1]] == 2  # labels follow the ordering
    assert len(set(cluster_units(h, 18).tolist())) == 18 and set(cluster_units(h, 1).tolist()) == {0}


def test_orderings_by_mean_variance_and_change():
    t = np.arange(64)
    h = np.zeros((64, 1, 2, 5))
    h[..., 0] = 0.1
    h[..., 1] = 0.9  # highest mean, never moves
    h[..., 2] = (0.5 * np.sin(t / 10))[:, None, None]  # a slow swing
    h[..., 3] = (0.5 * np.where(t % 2, 1.0, -1.0))[:, None, None]  # flips every step
    h[..., 4] = (0.2 * np.sin(t / 10))[:, None, None]
    assert order_units(h, "index").tolist() == [0, 1, 2, 3, 4]
    assert order_units(h, "mean")[0] == 1
    variance = order_units(h, "variance").tolist()
    assert variance[:2] == [3, 2] and variance[2] == 4
    assert order_units(h, "change")[0] == 3 and order_units(h, "change")[1] == 2
    with pytest.raises(ConfigError, match="unknown unit ordering"):
        order_units(h, "alphabetical")  # type: ignore[arg-type]


def test_held_hidden_reads_the_stepper_history_and_bad_choices_are_errors():
    stepper = Stepper(Config(batch_size=2, n_agents=3, hidden_dim=8, input_dim=4, device="cpu"))
    stepper.run(6)
    ts, h = held_hidden(stepper, 2, 5)
    assert ts.tolist() == [2, 3, 4, 5]
    np.testing.assert_array_equal(h, history_arrays(stepper)["hidden"][2:6])
    assert held_hidden(stepper)[1].shape == (7, 2, 3, 6)
    with pytest.raises(ConfigError, match="agent 3 is out of range"):
        select_units(h, 2, 5, agents=[3], ts=ts)
    with pytest.raises(ConfigError, match="no held timestep in 20..30"):
        select_units(h, 20, 30, ts=ts)


def test_fit_pca_on_many_samples_gives_the_svds_axes_and_variances():
    # 2,000 samples of 24 units: the covariance path; checked against NumPy's SVD of the centred data.
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2000, 24)) @ rng.standard_normal((24, 24)) * 0.1 + rng.standard_normal(24)
    pca = fit_pca(x, 3)
    centred = x - x.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(pca.explained_variance, singular[:3] ** 2 / (len(x) - 1), rtol=1e-10)
    for got, axis in zip(pca.components, vt[:3], strict=True):
        np.testing.assert_allclose(np.abs(got @ axis), 1.0, atol=1e-10)  # the same axis, up to sign


def test_agent_similarity_matches_numpys_correlation_and_cosine():
    rng = np.random.default_rng(5)
    h = rng.normal(size=(7, 5, 6)) + rng.normal(size=(1, 5, 1))  # each agent its own offset
    vectors = h.transpose(1, 0, 2).reshape(5, -1)  # each agent: batch rows × units
    np.testing.assert_allclose(agent_similarity(h, "correlation"), np.corrcoef(vectors), atol=1e-12)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    np.testing.assert_allclose(agent_similarity(h, "cosine"), unit @ unit.T, atol=1e-12)
    h[:, 3] = 0.0  # an agent with no spread: its row and column are undefined, the others are not
    s = agent_similarity(h, "correlation")
    assert np.isnan(s[3]).all() and np.isnan(s[:, 3]).all()
    assert np.isfinite(np.delete(np.delete(s, 3, 0), 3, 1)).all()
