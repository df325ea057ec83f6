"""Grad modes as context managers and decorators (with and without parentheses), nesting and threads."""

import threading

import torsh_tensor as T
from torsh_autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)


def leaf():
    return T.ones(2, requires_grad=True)


def test_no_grad_context_stops_recording_and_restores():
    x = leaf()
    with no_grad() as ctx:
        assert ctx is None
        y = x * 2
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert y.requires_grad is False and y.grad_fn is None


def test_no_grad_restores_after_exception():
    try:
        with no_grad():
            raise KeyError
    except KeyError:
        pass
    assert is_grad_enabled()


def test_no_grad_decorator_with_and_without_parentheses():
    x = leaf()

    @no_grad()
    def f(a):
        return a * 2

    @no_grad
    def g(a):
        """Docstring kept."""
        return a * 2

    assert f(x).requires_grad is False
    assert g(x).requires_grad is False
    assert g.__doc__ == "Docstring kept." and g.__name__ == "g"
    assert is_grad_enabled()


def test_decorated_generator_runs_each_step_in_the_mode():
    x = leaf()

    @no_grad()
    def gen():
        for _ in range(2):
            yield is_grad_enabled(), (x * 2).requires_grad

    assert list(gen()) == [(False, False), (False, False)]
    assert is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = leaf()
    with no_grad():
        with enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad

    @enable_grad
    def f():
        return (x * 2).requires_grad

    with no_grad():
        assert f() is True
        assert not is_grad_enabled()


def test_set_grad_enabled_as_function_context_and_decorator():
    x = leaf()
    set_grad_enabled(False)
    try:
        assert not is_grad_enabled()
    finally:
        set_grad_enabled(True)
    assert is_grad_enabled()
    with set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert is_grad_enabled()
    with no_grad():
        with set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not is_grad_enabled()

    @set_grad_enabled(False)
    def f():
        return is_grad_enabled()

    assert is_grad_enabled()
    assert f() is False
    assert is_grad_enabled()


def test_inference_mode_forms():
    x = leaf()
    with inference_mode():
        assert is_inference_mode_enabled() and not is_grad_enabled()
        assert not (x * 2).requires_grad
    assert not is_inference_mode_enabled()
    with inference_mode(False):
        assert not is_inference_mode_enabled()
        assert (x * 2).requires_grad

    @inference_mode
    def f():
        return is_inference_mode_enabled(), (x * 2).requires_grad

    @inference_mode()
    def g():
        return is_inference_mode_enabled()

    assert f() == (True, False)
    assert g() is True
    assert is_grad_enabled() and not is_inference_mode_enabled()


def test_no_grad_is_not_inference_mode():
    with no_grad():
        assert not is_inference_mode_enabled()


def test_grad_mode_is_thread_local():
    seen = []
    with no_grad():
        t = threading.Thread(target=lambda: seen.append(is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_nested_modes_restore_in_order():
    with no_grad():
        with enable_grad():
            with no_grad():
                assert not is_grad_enabled()
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_requires_grad_leaf_created_under_no_grad_still_requires_grad():
    with no_grad():
        x = T.ones(2, requires_grad=True)
    assert x.requires_grad and x.is_leaf
