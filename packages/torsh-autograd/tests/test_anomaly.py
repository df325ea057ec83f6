"""detect_anomaly: NaN gradients raise and name the forward op, with the traceback of its forward call."""

import warnings

import pytest
import torsh_tensor as T
from torsh_autograd import Function, detect_anomaly, is_anomaly_enabled, set_detect_anomaly


class NanBackward(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 1

    @staticmethod
    def backward(ctx, g):
        return g * float("nan")


def make_nan_graph():
    x = T.tensor([1.0, 2.0], requires_grad=True)
    return x, NanBackward.apply(x).sum()


def test_nan_gradient_raises_with_forward_trace():
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        with detect_anomaly():
            assert is_anomaly_enabled()
            x, y = make_nan_graph()
            with pytest.raises(RuntimeError, match="Function 'NanBackwardBackward' returned nan values in its 0th "
                                                   "output") as info:
                y.backward()
    assert "make_nan_graph" in str(info.value)
    assert "Traceback of forward call" in str(info.value)
    assert not is_anomaly_enabled()


def test_nan_from_a_builtin_op_is_reported():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with detect_anomaly():
            x = T.tensor([0.0], requires_grad=True)
            y = x.sqrt() * 0
            with pytest.raises(RuntimeError, match="returned nan values"):
                y.sum().backward()


def test_without_anomaly_mode_nan_passes_silently():
    x, y = make_nan_graph()
    y.backward()
    assert x.grad.isnan().all()


def test_check_nan_false_and_set_detect_anomaly():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with detect_anomaly(check_nan=False):
            x, y = make_nan_graph()
            y.backward()
        with set_detect_anomaly(False):
            assert not is_anomaly_enabled()
        with set_detect_anomaly(True):
            assert is_anomaly_enabled()
    assert not is_anomaly_enabled()


def test_detect_anomaly_as_decorator():
    @detect_anomaly()
    def run():
        return is_anomaly_enabled()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert run() is True
    assert not is_anomaly_enabled()
