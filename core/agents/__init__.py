"""Trained agents of the PyMARL family, rebuilt from their weights alone.

Each module here is hiddenscope's *mirror* of one family's agent and
controller: the same layers, called in the same order, with the same reshapes,
so that a checkpoint gives exactly the numbers (and the tensor trace) its own
code gives.  A module's ``MIRROR_OF`` names what it mirrors; the tracer shows
that name beside every line of code that runs from it.

- :mod:`.pymarl`: PyMARL's ``RNNAgent`` driven by ``BasicMAC``.
- :mod:`.epymarl`: EPyMARL's ``RNNAgent`` (``use_rnn`` true or false) by ``BasicMAC``,
  and ``RNNNSAgent`` (one network per agent) by ``NonSharedMAC``.
- :mod:`.pymarl2`: PyMARL2's ``NRNNAgent`` (with or without ``layer_norm``) by ``NMAC``, and its
  ``RNNAgent`` by its ``BasicMAC`` (``agent: rnn``, ``mac: basic_mac``).

In live environments the controller builds its inputs from an
:class:`~.base.EpisodeBuffer` laid out as a runner's ``EpisodeBatch``.  Each class
sets ``mirror_of``; the tracer names that class and the method beside each line.

Every controller follows one protocol: ``init_hidden(batch)``,
``build_inputs(obs, last_actions_onehot, agent_id)`` (what the family's
``_build_inputs`` does) and ``forward(agent_inputs, hidden_state, avail=None)``
returning ``(outputs (batch, n_agents, n_actions), hidden_state)``.
"""
