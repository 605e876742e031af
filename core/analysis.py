"""What the memory means: unit selection, unit orderings, trajectories and agent comparisons.

Every function here is plain NumPy on a window of hidden states shaped
``(T, batch, n_agents, units)``, with ``ts`` (the timesteps of its first axis,
``0..T-1`` when not given).  :func:`held_hidden` reads such a window from a
:class:`~hiddenscope.core.stepper.Stepper`'s history, safely while Play steps.
Views call these once per chosen range, not once per frame.

* :func:`select_units` keeps the units that stay above ``τ`` (or below ``-τ``) over a
  time range for chosen agents and batch rows (as LSTMVis does), and
  :func:`similar_moments` ranks every other (t, batch row, agent) by how much its
  active units overlap that selection (Jaccard).
* :func:`order_units` gives a permutation of the units: by index, mean activation,
  variance over time, mean ``|Δh|`` or a hierarchical clustering of their time
  courses (:func:`cluster_units` cuts the same tree into groups).
* :func:`fit_pca` / :func:`agent_trajectories` project each agent's states onto
  their first principal components; :meth:`PCA.project` places new states.
* :func:`agent_similarity` compares agents at each step; :func:`identity_units`
  ranks the units by how much they separate agents against how much they move in time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import torch

from .errors import ConfigError
from .step_runtime import torch_threads

if TYPE_CHECKING:
    from .stepper import BaseStepper

Sign = Literal["positive", "negative", "both"]
Ordering = Literal["index", "mean", "variance", "change", "cluster"]
ORDERINGS: tuple[str, ...] = ("index", "mean", "variance", "change", "cluster")
DEFAULT_THRESHOLD = 0.3
Indices = Sequence[int] | None  # None: all


def held_hidden(
    stepper: BaseStepper, start: int | None = None, stop: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(ts, hidden (T, batch, n_agents, units))``: a copy of the held steps ``start..stop`` (inclusive).

    Defaults: from the oldest held step to the newest.  Steps the history no longer
    holds are left out, so check ``ts``.
    """
    hist = stepper.history
    last = hist.last if stop is None else min(stop, hist.last)
    first = hist.first if start is None else max(start, hist.first)
    span = max(0, last - first + 1)
    return hist.read_window(last, span, lambda ts: hist.hidden[ts % hist.capacity].copy())


ANALYSIS_BYTES = 256 * 2**20  # the newest held steps that fit are read for an ordering or a search


def newest_held(
    stepper: BaseStepper, budget_bytes: int | None = None, around: int | None = None, up_to: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(ts, hidden (T, batch, n_agents, units))``: the newest held steps that fit ``budget_bytes``.

    ``budget_bytes`` defaults to :data:`ANALYSIS_BYTES`.  ``up_to``: the newest held steps up to that
    timestep.  ``around``: the held steps that fit, centred on that timestep (see :func:`span_around`).
    """
    hist = stepper.history.bounds()
    budget = ANALYSIS_BYTES if budget_bytes is None else budget_bytes
    per_step = max(1, int(np.prod(stepper.history.hidden.shape[1:])) * 8)  # a copy, and float64 work
    span = max(2, budget // per_step)
    if around is not None:
        start, stop = span_around(hist.first, hist.last, around, span)
        return held_hidden(stepper, start, stop)
    end = hist.last if up_to is None else min(up_to, hist.last)
    return held_hidden(stepper, max(hist.first, end - span + 1), end)


def span_around(first: int, last: int, t: int, span: int) -> tuple[int, int]:
    """``(start, stop)``: ``span`` held steps centred on ``t`` (moved inside ``first..last`` near either end)."""
    start = max(first, min(t - span // 2, last - span + 1))
    return start, min(last, start + span - 1)


# -- selecting units --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """The units that stayed past the threshold over ``start..stop`` for ``agents`` × ``rows``.

    ``signs[i]`` is +1 when ``units[i]`` stayed above ``threshold``, -1 when it stayed below
    ``-threshold``.  ``agents`` and ``rows`` are the indices the selection was made on.
    """

    units: np.ndarray
    signs: np.ndarray
    start: int
    stop: int
    agents: tuple[int, ...]
    rows: tuple[int, ...]
    threshold: float
    sign: str

    def __len__(self) -> int:
        return len(self.units)


@dataclass(frozen=True)
class Moment:
    """One (t, batch row, agent) and how much its active units overlap a selection (Jaccard, 0..1)."""

    t: int
    row: int
    agent: int
    score: float


def select_units(
    hidden: np.ndarray,
    start: int,
    stop: int,
    agents: Indices = None,
    rows: Indices = None,
    threshold: float = DEFAULT_THRESHOLD,
    sign: Sign = "positive",
    ts: np.ndarray | None = None,
) -> Selection:
    """The units whose value stays above ``threshold`` at every step ``start..stop`` (inclusive timesteps).

    It must hold in every chosen agent and batch row (default: all).  ``sign`` is
    ``"positive"`` (``h > τ``), ``"negative"`` (``h < -τ``) or ``"both"`` (either, one
    side throughout).  A NaN never counts as past the threshold.
    """
    hidden, ts = _window(hidden, ts)
    _check_sign(sign)
    if threshold < 0:
        raise ConfigError(f"the threshold must be 0 or more, got {threshold}")
    in_range = (ts >= start) & (ts <= stop)
    if not in_range.any():
        raise ConfigError(f"no held timestep in {start}..{stop} (the window holds {_span_text(ts)})")
    agent_idx = _indices(agents, hidden.shape[2], "agent")
    row_idx = _indices(rows, hidden.shape[1], "batch row")
    part = hidden[in_range][:, row_idx][:, :, agent_idx]  # (t, rows, agents, units)
    flat = part.reshape(-1, part.shape[-1])
    nothing = np.zeros(flat.shape[-1], bool)
    above: np.ndarray = np.all(flat > threshold, axis=0) if sign != "negative" else nothing
    below: np.ndarray = np.all(flat < -threshold, axis=0) if sign != "positive" else nothing
    units = np.flatnonzero(above | below)
    signs = np.where(above[units], 1, -1).astype(np.int8)
    return Selection(units, signs, int(start), int(stop), tuple(agent_idx), tuple(row_idx), float(threshold), sign)


def similar_moments(
    hidden: np.ndarray,
    selection: Selection,
    top: int = 20,
    ts: np.ndarray | None = None,
    include_selected: bool = False,
) -> list[Moment]:
    """The ``top`` (t, batch row, agent) whose active units overlap ``selection``'s the most.

    A unit is active at a moment when it is past the selection's threshold on the
    side the selection's ``sign`` looks at (``h > τ``, ``h < -τ``, or either, a unit
    above and the same unit below counting as different members).  The score is the
    Jaccard index ``|A ∩ S| / |A ∪ S|`` between that active set and the selection.
    The moments the selection was made on are left out unless ``include_selected``;
    moments sharing nothing (score 0) are never listed.  Ties go to the earlier
    moment, then the lower row, then the lower agent.
    """
    hidden, ts = _window(hidden, ts)
    tau, sign = selection.threshold, selection.sign
    n_units = hidden.shape[-1]
    positive = hidden > tau if sign != "negative" else np.zeros(hidden.shape, bool)
    negative = hidden < -tau if sign != "positive" else np.zeros(hidden.shape, bool)
    wanted_pos = np.zeros(n_units, bool)
    wanted_neg = np.zeros(n_units, bool)
    wanted_pos[selection.units[selection.signs > 0]] = True
    wanted_neg[selection.units[selection.signs < 0]] = True
    shared = (positive & wanted_pos).sum(-1) + (negative & wanted_neg).sum(-1)
    active = positive.sum(-1) + negative.sum(-1)
    union = active + len(selection) - shared
    score = np.divide(shared, union, out=np.zeros(shared.shape), where=union > 0)  # (T, batch, n_agents)
    if not include_selected:
        in_range = (ts >= selection.start) & (ts <= selection.stop)
        rows, agents = _mask(selection.rows, hidden.shape[1]), _mask(selection.agents, hidden.shape[2])
        chosen = in_range[:, None, None] & rows[None, :, None] & agents[None, None, :]
        score = np.where(chosen, 0.0, score)
    flat = score.reshape(-1)
    order = np.argsort(-flat, kind="stable")[: max(0, top)]
    moments = []
    for i in order:
        if flat[i] <= 0:
            break
        ti, row, agent = np.unravel_index(i, score.shape)
        moments.append(Moment(int(ts[ti]), int(row), int(agent), float(flat[i])))
    return moments


# -- ordering and clustering units ------------------------------------------------------------------------------------


def order_units(hidden: np.ndarray, by: Ordering = "index", agents: Indices = None, rows: Indices = None) -> np.ndarray:
    """A permutation of the units (``order[i]`` is the unit shown i-th), from the chosen agents and rows.

    * ``index``: 0, 1, 2, …
    * ``mean``: mean activation, highest first
    * ``variance``: variance over time (per agent and row, then averaged), highest first
    * ``change``: mean ``|h_t − h_{t−1}|``, highest first
    * ``cluster``: the leaf order of an average-linkage clustering of the units' time
      courses on correlation distance (:func:`cluster_units`), so units that move
      together sit side by side

    Ties keep index order; a NaN statistic sorts last.
    """
    hidden, _ = _window(hidden, None)
    part = _part(hidden, agents, rows)
    n_units = part.shape[-1]
    if by == "index":
        return np.arange(n_units)
    if by == "cluster":
        return _linkage_order(_correlation_distance(_time_courses(part)))
    if by == "mean":
        key = np.nanmean(part.reshape(-1, n_units), axis=0) if part.size else np.zeros(n_units)
    elif by == "variance":
        key = part.var(axis=0).reshape(-1, n_units).mean(axis=0) if len(part) else np.zeros(n_units)
    elif by == "change":
        step = np.abs(np.diff(part, axis=0)).reshape(-1, n_units)
        key = step.mean(axis=0) if len(step) else np.zeros(n_units)
    else:
        raise ConfigError(f"unknown unit ordering {by!r}; use one of {', '.join(ORDERINGS)}")
    key = np.where(np.isnan(key), -np.inf, key)
    return np.argsort(-key, kind="stable")


def cluster_units(hidden: np.ndarray, n_clusters: int, agents: Indices = None, rows: Indices = None) -> np.ndarray:
    """Cut the units' average-linkage tree into ``n_clusters`` groups: a label per unit.

    Labels are numbered in the order the groups appear along :func:`order_units` ``(by="cluster")``.
    """
    hidden, _ = _window(hidden, None)
    part = _part(hidden, agents, rows)
    n_units = part.shape[-1]
    if not 1 <= n_clusters <= n_units:
        raise ConfigError(f"n_clusters must be from 1 to {n_units} (the units), got {n_clusters}")
    merges, leaves = _average_linkage(_correlation_distance(_time_courses(part)))
    groups: dict[int, list[int]] = {i: [i] for i in range(n_units)}
    for a, b, _height in merges[: n_units - n_clusters]:
        groups[a] = groups[a] + groups.pop(b)
    labels = np.empty(n_units, np.int64)
    position = {unit: i for i, unit in enumerate(leaves)}
    for label, members in enumerate(sorted(groups.values(), key=lambda m: min(position[u] for u in m))):
        labels[members] = label
    return labels


def _time_courses(part: np.ndarray) -> np.ndarray:
    """Each unit's values over time, every agent and row laid end to end: ``(samples, units)``."""
    t, rows, agents, units = part.shape
    return part.transpose(1, 2, 0, 3).reshape(rows * agents * t, units)


def _correlation_distance(courses: np.ndarray) -> np.ndarray:
    """``1 − Pearson r`` between the units' time courses; a unit that never moves is at distance 1 from all."""
    centred = courses - courses.mean(axis=0)
    norm = np.sqrt((centred**2).sum(axis=0))
    moving = norm > 1e-12
    unit = np.where(moving, centred / np.where(moving, norm, 1.0), 0.0)
    corr = np.clip(unit.T @ unit, -1.0, 1.0)
    dist = 1.0 - corr
    dist[~moving, :] = 1.0
    dist[:, ~moving] = 1.0
    np.fill_diagonal(dist, 0.0)
    return np.nan_to_num(dist, nan=1.0)


def _average_linkage(dist: np.ndarray) -> tuple[list[tuple[int, int, float]], list[int]]:
    """Agglomerative clustering with average linkage (UPGMA) on a distance matrix.

    Returns the merges ``(kept, absorbed, height)`` in order (the merged group keeps the
    slot ``kept``) and the leaves in dendrogram order (each merge lays the group with the
    lower first leaf first).

    Why not ``scipy.cluster.hierarchy``: it builds the same tree (the merge heights here
    match its ``linkage(..., "average")``), but SciPy is not one of hiddenscope's
    dependencies and would be one only for this.  A network has at most a few hundred
    units, and this direct version (one vectorised search of the distance matrix per
    merge) takes a few hundredths of a second for 512 units: fast enough for a view that
    clusters once per chosen range, and short enough to read.
    """
    n = len(dist)
    d = np.array(dist, dtype=np.float64)
    np.fill_diagonal(d, np.inf)
    size = np.ones(n)
    leaves: dict[int, list[int]] = {i: [i] for i in range(n)}
    merges: list[tuple[int, int, float]] = []
    for _ in range(n - 1):
        flat = int(np.argmin(d))
        i, j = divmod(flat, n)
        a, b = (i, j) if leaves[i][0] <= leaves[j][0] else (j, i)
        height = float(d[i, j])
        # The average distance from the merged group to any other is the size-weighted mean of its parts'.
        merged = (size[a] * d[a] + size[b] * d[b]) / (size[a] + size[b])
        d[a, :] = merged
        d[:, a] = merged
        d[a, a] = np.inf
        d[b, :] = np.inf
        d[:, b] = np.inf
        size[a] += size[b]
        leaves[a] = leaves[a] + leaves.pop(b)
        merges.append((a, b, height))
    return merges, leaves[min(leaves)] if leaves else []


def _linkage_order(dist: np.ndarray) -> np.ndarray:
    return np.array(_average_linkage(dist)[1], dtype=np.int64)


# -- trajectories -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PCA:
    """A principal-component basis fitted to a set of states.

    ``components`` is ``(k, units)`` (unit rows, each component's largest loading
    positive so refits of similar data point the same way), ``explained_variance``
    ``(k,)`` and ``explained_ratio`` the fraction of the total variance each explains.
    """

    mean: np.ndarray
    components: np.ndarray
    explained_variance: np.ndarray
    explained_ratio: np.ndarray

    def project(self, states: np.ndarray) -> np.ndarray:
        """States ``(..., units)`` placed in this basis: ``(..., k)``."""
        states = np.asarray(states, dtype=np.float64)
        return (states - self.mean) @ self.components.T


def fit_pca(states: np.ndarray, n_components: int = 2) -> PCA:
    """PCA of ``states`` ``(samples, units)``: SVD of the centred data, or its covariance's eigenvectors when
    there are at least four samples per unit.

    Rows with a NaN or Inf are left out of the fit.  Fewer samples than
    ``n_components`` (or data with less spread) give zero components at the end.
    """
    states = np.asarray(states, dtype=np.float64)
    if states.ndim != 2:
        raise ConfigError(f"fit_pca wants (samples, units), got shape {states.shape}")
    n_units = states.shape[1]
    if not 1 <= n_components <= n_units:
        raise ConfigError(f"n_components must be from 1 to {n_units} (the units), got {n_components}")
    finite = states[np.isfinite(states).all(axis=1)]
    if len(finite) == 0:
        raise ConfigError("no finite states to fit a PCA to")
    mean = finite.mean(axis=0)
    centred = finite - mean
    if len(finite) >= 4 * n_units:
        # Many more samples than units (a held history: steps × rows): the eigenvectors of the
        # units × units covariance are the same axes, about 10 times faster than the SVD of the data.
        variance, vectors = np.linalg.eigh(centred.T @ centred / max(1, len(finite) - 1))
        variance, vt = np.clip(variance[::-1], 0.0, None), vectors[:, ::-1].T
    else:
        _, singular, vt = np.linalg.svd(centred, full_matrices=False)
        variance = singular**2 / max(1, len(finite) - 1)
    components = np.zeros((n_components, n_units))
    explained = np.zeros(n_components)
    k = min(n_components, len(vt))
    components[:k], explained[:k] = vt[:k], variance[:k]
    for c in components:
        if c[np.argmax(np.abs(c))] < 0:
            c *= -1
    total = variance.sum()
    ratio = explained / total if total > 0 else np.zeros(n_components)
    return PCA(mean, components, explained, ratio)


@dataclass(frozen=True)
class Trajectory:
    """One agent's states in a PCA basis: ``points`` is ``(T, batch, k)``; ``points[:, row]`` is a row's path."""

    agent: int
    ts: np.ndarray
    pca: PCA
    points: np.ndarray


def agent_trajectories(
    hidden: np.ndarray,
    n_components: int = 2,
    agents: Indices = None,
    fit_rows: Indices = None,
    shared: bool = False,
    ts: np.ndarray | None = None,
) -> list[Trajectory]:
    """Each agent's hidden states over the window, projected on principal components.

    Per agent (default), the PCA is fitted to that agent's states at every step of the
    window in the ``fit_rows`` batch rows (default: all); every row is projected, so a
    view draws ``points[:, row]`` as a line coloured by time.  ``shared=True`` fits one
    basis to all chosen agents together, to compare them in the same plane.  Fit once
    per chosen range and use :meth:`PCA.project` for states that arrive later.
    """
    hidden, ts = _window(hidden, ts)
    agent_idx = _indices(agents, hidden.shape[2], "agent")
    row_idx = _indices(fit_rows, hidden.shape[1], "batch row")
    units = hidden.shape[-1]
    if shared:
        basis = fit_pca(hidden[:, row_idx][:, :, agent_idx].reshape(-1, units), n_components)
    result = []
    for agent in agent_idx:
        states = hidden[:, :, agent]
        pca = basis if shared else fit_pca(states[:, row_idx].reshape(-1, units), n_components)
        result.append(Trajectory(agent, ts, pca, pca.project(states)))
    return result


# -- agents side by side ----------------------------------------------------------------------------------------------


def agent_similarity(hidden: np.ndarray, metric: Literal["correlation", "cosine"] = "correlation") -> np.ndarray:
    """Agent × agent similarity of their states at each step, over batch rows and units.

    ``hidden`` is ``(batch, n_agents, units)`` (one step: result ``(n_agents, n_agents)``) or
    ``(T, batch, n_agents, units)`` (result ``(T, n_agents, n_agents)``).  Each agent's
    state at a step is one vector of ``batch × units`` numbers; ``correlation`` is the
    Pearson correlation of two such vectors, ``cosine`` the cosine of their angle.  Where
    it is undefined (a vector with no spread, or all zeros, as at t = 0) it is NaN, off
    the diagonal and on it.
    """
    values = np.asarray(hidden, dtype=np.float64)
    one = values.ndim == 3
    if one:
        values = values[None]
    if values.ndim != 4:
        raise ConfigError(f"agent_similarity wants (batch, n_agents, units) or (T, …), got shape {np.shape(hidden)}")
    if metric not in ("correlation", "cosine"):
        raise ConfigError(f"unknown similarity {metric!r}; use correlation or cosine")
    t, batch, n_agents, units = values.shape
    vectors = values.transpose(0, 2, 1, 3).reshape(t, n_agents, batch * units)
    if metric == "correlation":
        vectors = vectors - vectors.mean(axis=-1, keepdims=True)
    # One matrix product gives every pair's dot product and, on its diagonal, each squared norm:
    # at 1024 × 64 × 96, 38 ms against 178 for normalising and einsum.  It runs on one torch
    # thread: numpy's BLAS threads go on spinning for a while after a product, on the cores the
    # model's step needs.  With the Agents tab raised, Play's frame was 63 ms against 68 (three
    # runs each, alternated), and a bare step just after Play 47-52 ms against 68-71.
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # NaN and Inf states give NaN, quietly
        matrix = torch.from_numpy(np.ascontiguousarray(vectors))
        with torch_threads(1):
            gram = (matrix @ matrix.transpose(1, 2)).numpy()
        norm = np.sqrt(np.diagonal(gram, axis1=1, axis2=2))
        norm = np.where(norm > 1e-12, norm, np.nan)
        result = np.clip(gram / norm[:, :, None] / norm[:, None, :], -1.0, 1.0)
    return result[0] if one else result


@dataclass(frozen=True)
class IdentityUnits:
    """Which units tell the agents apart: ``order`` (most telling first) and, per unit,

    ``between`` (variance over agents of each agent's mean over time), ``within`` (each
    agent's variance over time, averaged over agents) and ``ratio = between / within``
    (both averaged over the batch rows first).  A unit that stays at a different level
    in each agent has a large ratio; one that moves the same way in all agents, a small one.
    """

    order: np.ndarray
    ratio: np.ndarray
    between: np.ndarray
    within: np.ndarray


def identity_units(hidden: np.ndarray, rows: Indices = None, eps: float = 1e-6) -> IdentityUnits:
    """Rank the units by between-agent over within-agent-over-time variance (see :class:`IdentityUnits`).

    ``eps`` keeps a unit that never moves from dividing by zero: it then ranks by its
    between-agent variance alone.  Needs at least two agents.
    """
    hidden, _ = _window(hidden, None)
    if hidden.shape[2] < 2:
        raise ConfigError("comparing agents needs at least two agents")
    part = hidden[:, _indices(rows, hidden.shape[1], "batch row")].astype(np.float64)
    mean_over_time = part.mean(axis=0)  # (rows, agents, units)
    between = mean_over_time.var(axis=1).mean(axis=0)
    within = part.var(axis=0).mean(axis=(0, 1))
    ratio = between / (within + eps)
    key = np.where(np.isnan(ratio), -np.inf, ratio)
    return IdentityUnits(np.argsort(-key, kind="stable"), ratio, between, within)


# -- helpers ----------------------------------------------------------------------------------------------------------


def _window(hidden: np.ndarray, ts: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    hidden = np.asarray(hidden)
    if hidden.ndim != 4:
        raise ConfigError(f"expected hidden states (T, batch, n_agents, units), got shape {hidden.shape}")
    ts = np.arange(len(hidden)) if ts is None else np.asarray(ts)
    if ts.shape != (len(hidden),):
        raise ConfigError(f"ts has shape {ts.shape}; expected ({len(hidden)},), one timestep per state")
    return hidden, ts


def _indices(chosen: Indices, size: int, what: str) -> list[int]:
    if chosen is None:
        return list(range(size))
    picked = [int(i) for i in chosen]
    bad = [i for i in picked if not 0 <= i < size]
    if bad:
        raise ConfigError(f"{what} {bad[0]} is out of range (0..{size - 1})")
    if not picked:
        raise ConfigError(f"choose at least one {what}")
    return picked


def _mask(chosen: Sequence[int], size: int) -> np.ndarray:
    mask = np.zeros(size, bool)
    mask[list(chosen)] = True
    return mask


def _part(hidden: np.ndarray, agents: Indices, rows: Indices) -> np.ndarray:
    """The chosen rows and agents of a window, as float64: ``(T, rows, agents, units)``."""
    row_idx = _indices(rows, hidden.shape[1], "batch row")
    agent_idx = _indices(agents, hidden.shape[2], "agent")
    return hidden[:, row_idx][:, :, agent_idx].astype(np.float64)


def _check_sign(sign: str) -> None:
    if sign not in ("positive", "negative", "both"):
        raise ConfigError(f"sign must be positive, negative or both, got {sign!r}")


def _span_text(ts: np.ndarray) -> str:
    return f"{int(ts[0])}..{int(ts[-1])}" if len(ts) else "nothing"
