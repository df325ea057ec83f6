"""An exception raised in a worker process, carried to the main process and raised there with its traceback."""

import pickle
import sys
import traceback

from torsh_core.errors import TorshRuntimeError


class KeyErrorMessage(str):
    """A KeyError message that prints as written (KeyError would otherwise show the repr of the traceback)."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """The type and formatted traceback of the exception being handled, picklable for sending between processes."""

    def __init__(self, exc_info=None, where="in background"):
        exc_type, exc, tb = exc_info or sys.exc_info()
        self.type_name = exc_type.__qualname__
        self.exc_type = exc_type if _picklable(exc_type) else None
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc, tb))
        self.where = where

    def to_exception(self):
        """An exception of the original type (RuntimeError when that type cannot be rebuilt from a message) whose
        message names the worker and holds the original traceback."""
        msg = f"Caught {self.type_name} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is None:
            return TorshRuntimeError(msg)
        if issubclass(self.exc_type, KeyError):
            msg = KeyErrorMessage(msg)
        try:
            return self.exc_type(msg)
        except Exception:
            return TorshRuntimeError(msg)

def _picklable(cls):
    try:
        return pickle.loads(pickle.dumps(cls)) is cls
    except Exception:
        return False
