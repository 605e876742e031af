"""One-line explanations of what a trace shows, worked out from the trace itself.

The seed note's table claims the hidden state goes back to
``(batch, n_agents, units)`` after each step; the code stores
``(batch * n_agents, units)``.  And at t = 0 the expanded hidden state is one
row of numbers seen through stride 0.  These notes point at exactly the records
where the live tensors show that, whatever the configuration or model.
"""

from __future__ import annotations

from collections.abc import Callable

from .trace import ROLE_NEW_HIDDEN, TraceRecord


def note_for(
    record: TraceRecord,
    batch_size: int,
    n_agents: int,
    translate: Callable[[str], str] = lambda text: text,
    seed: bool = True,
) -> str:
    """What a student should notice about ``record`` ('' when nothing stands out).

    ``translate`` gives a note's template in the interface's language (the app's ``tr``).
    ``seed``: the model is the seed note's own, whose table the flattened state is set against;
    another model's note says the same without it.
    """
    if 0 in record.stride and record.numel > record.storage_numel:
        return translate(
            "stride {stride}: {values} values shown, but only {numbers}"
            " numbers in memory — every row is the same numbers, nothing was copied"
        ).format(stride=tuple(record.stride), values=f"{record.numel:,}", numbers=f"{record.storage_numel:,}")
    rows = batch_size * n_agents
    if record.role == ROLE_NEW_HIDDEN and len(record.shape) == 2 and record.shape[0] == rows and n_agents > 1:
        if not seed:
            return translate(
                "kept as {shape} between steps, not ({batch}, {agents}, {units}): batch and agents stay flattened"
            ).format(batch=batch_size, agents=n_agents, units=record.shape[1], shape=tuple(record.shape))
        return translate(
            "the note's table says ({batch}, {agents}, {units}); the code keeps"
            " {shape}: batch and agents stay flattened between steps"
        ).format(batch=batch_size, agents=n_agents, units=record.shape[1], shape=tuple(record.shape))
    return ""
