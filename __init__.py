"""hiddenscope: watch a multi-agent GRU's hidden state, one timestep at a time."""

__version__ = "0.1.0"

# The public API, loaded on first use: `import hiddenscope` (and the CLI) stays light, and loads no Qt.
__all__ = ["LiveSession", "Recording", "Watch", "open_session", "record", "watch"]

_PUBLIC = {
    "record": "hiddenscope.core.record",
    "Recording": "hiddenscope.core.record",
    "watch": "hiddenscope.core.watch",
    "Watch": "hiddenscope.core.watch",
    "open_session": "hiddenscope.core.live",
    "LiveSession": "hiddenscope.core.live",
}

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hiddenscope.core.live import LiveSession, open_session
    from hiddenscope.core.record import Recording, record
    from hiddenscope.core.watch import Watch, watch


def __getattr__(name: str) -> object:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'hiddenscope' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
