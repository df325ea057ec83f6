"""Grad modes: whether ops record the graph. Thread-local, usable as context managers and decorators."""

import functools
import inspect
import threading


class _State(threading.local):
    """Per-thread modes; class attributes are every new thread's defaults (and make reads fast)."""

    enabled = True
    inference = False


_state = _State()


def is_grad_enabled():
    """True when new ops record their backward."""
    return _state.enabled


def is_inference_mode_enabled():
    """True inside ``inference_mode()`` (and not merely inside ``no_grad()``), as in PyTorch."""
    return _state.inference


def _set(mode):
    _state.enabled = bool(mode)


def _decorate(make_mode, fn):
    """Run ``fn`` (or each step of a generator function) inside a fresh mode from ``make_mode()``."""
    if inspect.isgeneratorfunction(fn):
        return _decorate_generator(make_mode, fn)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with make_mode():
            return fn(*args, **kwargs)

    return wrapper


def _decorate_generator(make_mode, fn):
    """A generator that resumes ``fn``'s generator inside the mode and yields outside it."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        gen = fn(*args, **kwargs)
        resume, value = gen.send, None
        try:
            while True:
                with make_mode():
                    item = resume(value)
                try:
                    value, resume = (yield item), gen.send
                except GeneratorExit:
                    with make_mode():
                        gen.close()
                    raise
                except BaseException as exc:  # a throw() into this generator goes on to the wrapped one
                    value, resume = exc, gen.throw
        except StopIteration as stop:
            return stop.value

    return wrapper


class _Mode:
    """A grad mode usable with ``with`` and as a function decorator."""

    def _target(self):
        raise NotImplementedError

    def _clone(self):
        return self

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set(self._target())

    def __exit__(self, *exc):
        _set(self._prev)
        return False

    def __call__(self, fn):
        return _decorate(self._clone, fn)


class _NoArgMode(_Mode):
    """Also allows ``@mode`` without parentheses, as PyTorch does."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def _clone(self):
        return type(self)()


class no_grad(_NoArgMode):
    """Ops inside do not record a graph (evaluation, parameter updates)."""

    def _target(self):
        return False


class enable_grad(_NoArgMode):
    """Re-enables recording inside a no_grad block."""

    def _target(self):
        return True


class set_grad_enabled(_Mode):
    """Sets recording on or off at once, like PyTorch; restores the previous mode when used with ``with``."""

    def __init__(self, mode):
        self._mode = bool(mode)
        self._prev = is_grad_enabled()
        _set(mode)

    def _target(self):
        return self._mode

    def __enter__(self):
        pass

    def __call__(self, fn):
        _set(self._prev)
        mode = self._mode
        return _decorate(lambda: set_grad_enabled(mode), fn)


class inference_mode(_Mode):
    """Like no_grad and also flags ``is_inference_mode_enabled()``; torsh has no separate inference tensors."""

    def __new__(cls, mode=True):
        if callable(mode):
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        if callable(mode):
            return
        self._mode = bool(mode)

    def _target(self):
        return not self._mode and is_grad_enabled()

    def __enter__(self):
        self._prev_inference = is_inference_mode_enabled()
        _state.inference = self._mode
        super().__enter__()

    def __exit__(self, *exc):
        _state.inference = self._prev_inference
        return super().__exit__(*exc)

    def _clone(self):
        return inference_mode(self._mode)
