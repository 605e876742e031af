"""hiddenscope's engine: the model, the stepper, the trace. No Qt is imported here."""

from .config import Config, available_devices, resolve_device
from .errors import CheckpointError, ConfigError, DeviceError, FileProblem, UserError
from .history import Frame, History
from .model import RNN, CondAgent
from .stepper import Stepper
from .trace import TraceRecord, trace_forward, trace_init

__all__ = [
    "RNN",
    "CheckpointError",
    "CondAgent",
    "Config",
    "ConfigError",
    "DeviceError",
    "FileProblem",
    "Frame",
    "History",
    "Stepper",
    "TraceRecord",
    "UserError",
    "available_devices",
    "resolve_device",
    "trace_forward",
    "trace_init",
]
