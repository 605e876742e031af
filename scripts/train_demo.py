"""Train the demo agent that ships in resources/demo/ (``hiddenscope --demo``).

A PyMARL-style recurrent agent (``fc1`` → ReLU → ``GRUCell`` → ``fc2``, one network
shared by the agents, inputs ``[observation, one-hot last action, one-hot agent id]``)
learns MPE ``simple_spread`` (3 agents, 3 landmarks, 25-step episodes) with VDN: the
team's Q is the sum of the agents' Qs, trained by double Q-learning from replayed
episodes.  The environment is hiddenscope's own adapter
(:func:`hiddenscope.core.envs.make_env_batch`), the network hiddenscope's own mirror of
PyMARL's ``RNNAgent``, so the app runs the agent in exactly what it learned in.

    .venv/bin/python scripts/train_demo.py                 # about 4 minutes on one CPU core
    .venv/bin/python scripts/train_demo.py --out /tmp/demo --episodes 400   # a quick try

It writes ``agent.th`` (the agent's state_dict), ``config.json`` (the run's settings,
as a PyMARL run's sacred config names them), ``training_curve.csv`` and, where
matplotlib is installed, ``training_curve.png``.  ``--seed`` fixes the weights, the
exploration and the replay sampling.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import deque
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
ENV = "simple_spread"
ENV_OPTIONS = {"n_agents": "3", "max_cycles": "25", "local_ratio": "0.5"}
HIDDEN = 64
TRAIN_SEED_BASE = 1_000_000  # training episodes use seeds far from the ones the app starts with (0, 1, …)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=str(ROOT / "resources" / "demo"), help="folder to write (default resources/demo)")
    p.add_argument("--episodes", type=int, default=8000, help="training episodes (default 8000)")
    p.add_argument("--envs", type=int, default=16, help="environments run side by side (default 16)")
    p.add_argument("--seed", type=int, default=1, help="seed of the weights, exploration and replay (default 1)")
    p.add_argument(
        "--updates-per-episode", type=float, default=1.0, help="training steps per episode collected (default 1)"
    )
    p.add_argument("--gamma", type=float, default=Learner.gamma, help=f"discount (default {Learner.gamma})")
    p.add_argument("--lr", type=float, default=Learner.lr, help=f"Adam's learning rate (default {Learner.lr})")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1: faster for a network this small)")
    return p.parse_args(argv)


class Learner:
    """VDN with double Q-learning over whole episodes, as PyMARL's QLearner with ``mixer: vdn`` trains."""

    gamma = 0.9  # simple_spread's reward comes every step: a short horizon learns faster
    lr = 1e-3
    grad_clip = 10.0
    batch_episodes = 32
    target_every = 100  # training steps between target network copies
    buffer_episodes = 3000

    def __init__(self, n_agents: int, obs_dim: int, n_actions: int, seed: int) -> None:
        from hiddenscope.core.agents.pymarl import RNNAgent

        torch.manual_seed(seed)
        self.n_agents, self.obs_dim, self.n_actions = n_agents, obs_dim, n_actions
        self.input_dim = obs_dim + n_actions + n_agents
        self.agent = RNNAgent(self.input_dim, HIDDEN, n_actions)
        self.target = RNNAgent(self.input_dim, HIDDEN, n_actions)
        self.target.load_state_dict(self.agent.state_dict())
        self.optimiser = torch.optim.Adam(self.agent.parameters(), lr=self.lr)
        self.rng = np.random.default_rng(seed)
        self.buffer: deque[tuple[np.ndarray, np.ndarray, np.ndarray]] = deque(maxlen=self.buffer_episodes)
        self.updates = 0

    def inputs(self, obs: torch.Tensor, last_actions: torch.Tensor) -> torch.Tensor:
        """``(rows, input)`` as the controller builds them: observation, one-hot last action, one-hot agent id.

        ``obs`` is ``(batch, n_agents, obs_dim)``, ``last_actions`` ``(batch, n_agents)`` (-1: none yet).
        """
        b = obs.shape[0]
        onehot = F.one_hot(last_actions.clamp(min=0), self.n_actions).float() * (last_actions >= 0).unsqueeze(-1)
        ids = torch.eye(self.n_agents).unsqueeze(0).expand(b, -1, -1)
        return torch.cat([obs, onehot, ids], dim=-1).reshape(b * self.n_agents, self.input_dim)

    def unroll(self, net: torch.nn.Module, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Q-values ``(batch, T + 1, n_agents, n_actions)`` for episodes of ``T + 1`` observations."""
        b, steps = obs.shape[0], obs.shape[1]
        hidden = torch.zeros(b * self.n_agents, HIDDEN)
        last = torch.full((b, self.n_agents), -1, dtype=torch.long)
        qs = []
        for t in range(steps):
            q, hidden = net(self.inputs(obs[:, t], last), hidden)
            qs.append(q.reshape(b, self.n_agents, self.n_actions))
            if t < actions.shape[1]:
                last = actions[:, t]
        return torch.stack(qs, dim=1)

    def train_step(self) -> float:
        picks = self.rng.integers(0, len(self.buffer), self.batch_episodes)
        obs = torch.from_numpy(np.stack([self.buffer[i][0] for i in picks]))  # (B, T+1, A, obs)
        actions = torch.from_numpy(np.stack([self.buffer[i][1] for i in picks]))  # (B, T, A)
        rewards = torch.from_numpy(np.stack([self.buffer[i][2] for i in picks]))  # (B, T)
        q = self.unroll(self.agent, obs, actions)
        with torch.no_grad():
            q_target = self.unroll(self.target, obs, actions)
            best = q[:, 1:].detach().argmax(-1, keepdim=True)  # double Q: the online net picks, the target values
            next_value = q_target[:, 1:].gather(-1, best).squeeze(-1).sum(-1)  # VDN: the agents' sum
            # Every simple_spread episode is cut by its time limit: the last step bootstraps from the
            # terminal observation, as PyMARL's runner does for an episode_limit ending.
            target = rewards + self.gamma * next_value
        chosen = q[:, :-1].gather(-1, actions.unsqueeze(-1)).squeeze(-1).sum(-1)
        loss = F.mse_loss(chosen, target)
        self.optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.agent.parameters(), self.grad_clip)
        self.optimiser.step()
        self.updates += 1
        if self.updates % self.target_every == 0:
            self.target.load_state_dict(self.agent.state_dict())
        return loss.item()


def run_episodes(learner: Learner, env, seed: int, epsilon: float, rng: np.random.Generator):
    """One episode in each environment row (seeded ``seed + row``): observations, actions, rewards."""
    obs = env.reset(seed)
    b, a = env.batch_size, env.n_agents
    limit = env.episode_limit
    all_obs = np.zeros((b, limit + 1, a, env.obs_dim), np.float32)
    all_actions = np.zeros((b, limit, a), np.int64)
    all_rewards = np.zeros((b, limit), np.float32)
    hidden = torch.zeros(b * a, HIDDEN)
    last = torch.full((b, a), -1, dtype=torch.long)
    with torch.no_grad():
        for t in range(limit):
            all_obs[:, t] = obs
            q, hidden = learner.agent(learner.inputs(torch.from_numpy(obs), last), hidden)
            greedy = q.reshape(b, a, -1).argmax(-1).numpy()
            explore = rng.random((b, a)) < epsilon
            actions = np.where(explore, rng.integers(0, env.n_actions, (b, a)), greedy)
            obs, rewards, done = env.step(actions)
            all_actions[:, t] = actions
            all_rewards[:, t] = rewards
            last = torch.from_numpy(actions)
            if done.any() and t < limit - 1:
                raise RuntimeError("an episode ended before its time limit; this script expects simple_spread")
    all_obs[:, limit] = obs  # the terminal observation (the adapter holds the reset for one step)
    return all_obs, all_actions, all_rewards


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from hiddenscope.core.envs import make_env_batch

    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = make_env_batch(ENV, args.envs, TRAIN_SEED_BASE, dict(ENV_OPTIONS))
    env.defer_reset = True  # type: ignore[attr-defined]
    Learner.gamma, Learner.lr = args.gamma, args.lr
    learner = Learner(env.n_agents, env.obs_dim, env.n_actions, args.seed)
    rng = np.random.default_rng(args.seed)
    anneal_steps = 0.3 * args.episodes * env.episode_limit  # ε from 1 to 0.05 over the first 30 % of the steps
    eval_env = make_env_batch(ENV, 16, 0, dict(ENV_OPTIONS))
    eval_env.defer_reset = True  # type: ignore[attr-defined]
    rows: list[dict[str, float]] = []
    recent: deque[float] = deque(maxlen=200)
    started = time.monotonic()
    episodes = env_steps = 0
    batch_seed = TRAIN_SEED_BASE
    losses: list[float] = []
    while episodes < args.episodes:
        epsilon = max(0.05, 1.0 - 0.95 * env_steps / anneal_steps)
        obs, actions, rewards = run_episodes(learner, env, batch_seed, epsilon, rng)
        batch_seed += args.envs
        for row in range(args.envs):
            learner.buffer.append((obs[row], actions[row], rewards[row]))
            recent.append(float(rewards[row].sum()))
        episodes += args.envs
        env_steps += args.envs * env.episode_limit
        if len(learner.buffer) >= learner.batch_episodes:
            for _ in range(max(1, round(args.envs * args.updates_per_episode))):
                losses.append(learner.train_step())
        if episodes % (args.envs * 10) == 0 or episodes >= args.episodes:
            _, _, greedy = run_episodes(learner, eval_env, 0, 0.0, rng)
            row = {
                "episodes": episodes,
                "env_steps": env_steps,
                "epsilon": round(epsilon, 4),
                "train_return": round(float(np.mean(recent)), 3),
                "greedy_return": round(float(greedy.sum(1).mean()), 3),
                "loss": round(float(np.mean(losses[-20:])) if losses else float("nan"), 4),
                "seconds": round(time.monotonic() - started, 1),
            }
            rows.append(row)
            print(" ".join(f"{k} {v}" for k, v in row.items()), flush=True)
    env.close()
    eval_env.close()
    save(out, learner, args, rows)
    return 0


def save(out: Path, learner: Learner, args: argparse.Namespace, rows: list[dict[str, float]]) -> None:
    state = {k: v.detach().clone().contiguous() for k, v in learner.agent.state_dict().items()}
    torch.save(state, out / "agent.th")
    config = {
        # What hiddenscope reads (core/checkpoint.py's read_run_config), named as in a PyMARL run's config.json.
        "agent": "rnn",
        "mac": "basic_mac",
        "rnn_hidden_dim": HIDDEN,
        "obs_last_action": True,
        "obs_agent_id": True,
        "agent_output_type": "q",
        "action_selector": "epsilon_greedy",
        # How it was trained (for people; hiddenscope does not read these).
        "learner": "q_learner",
        "mixer": "vdn",
        "double_q": True,
        "gamma": Learner.gamma,
        "lr": Learner.lr,
        "optimizer": "adam",
        "grad_norm_clip": Learner.grad_clip,
        "batch_size": Learner.batch_episodes,
        "buffer_size": Learner.buffer_episodes,
        "target_update_interval": Learner.target_every,
        "epsilon_start": 1.0,
        "epsilon_finish": 0.05,
        "batch_size_run": args.envs,
        "t_max": rows[-1]["env_steps"] if rows else 0,
        "seed": args.seed,
        "env": ENV,
        "env_args": {k: float(v) if "." in v else int(v) for k, v in ENV_OPTIONS.items()},
        "trained_by": "scripts/train_demo.py",
        "hiddenscope_command": "hiddenscope --demo",
    }
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    with open(out / "training_curve.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no training_curve.png", file=sys.stderr)
        return
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=100)
    steps = [r["env_steps"] / 1000 for r in rows]
    ax.plot(steps, [r["train_return"] for r in rows], label="training (ε-greedy), last 200 episodes")
    ax.plot(steps, [r["greedy_return"] for r in rows], label="greedy, 16 fixed episodes")
    ax.set_xlabel("environment steps (thousands)")
    ax.set_ylabel("episode return (3 agents)")
    ax.set_title("VDN on simple_spread: the demo agent")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "training_curve.png")
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
