"""Anomaly detection: remember where each op ran forward and fail on NaN gradients."""

import traceback

_enabled = False


def current_trace():
    return "".join(traceback.format_stack()[:-3])


def is_anomaly_enabled():
    return _enabled


class detect_anomaly:
    """Within this block, backward raises on NaN gradients and names the forward op that produced them."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        global _enabled
        self._prev = _enabled
        _enabled = self.check_nan
        import warnings

        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", stacklevel=2)

    def __exit__(self, *exc):
        global _enabled
        _enabled = self._prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly(detect_anomaly):
    """Turns anomaly detection on or off for the block."""

    def __init__(self, mode, check_nan=True):
        super().__init__(check_nan and mode)
