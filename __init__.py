"""hiddenscope: watch a multi-agent GRU's hidden state, one timestep at a time."""

__version__ = "0.1.0"
