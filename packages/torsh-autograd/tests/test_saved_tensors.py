"""Version counters: an in-place change to a tensor saved for backward raises at backward, also through views."""

import pytest
import torsh_tensor as T
from torsh_autograd import no_grad


def leaf(*values):
    return T.tensor(list(values), requires_grad=True)


def test_in_place_change_of_saved_operand_raises_at_backward():
    x = leaf(1.0, 2.0)
    h = x * 1
    y = h * h
    h.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_message_names_version_shape_and_node():
    x = leaf(1.0, 2.0)
    h = x + 0
    y = (h * h).sum()
    h.add_(1)
    with pytest.raises(RuntimeError, match=r"\[torsh.float32 \[2\]\].*MulBackward0.*version 1; expected version 0"):
        y.backward()


def test_in_place_change_of_saved_output_raises():
    x = leaf(0.5, 1.0)
    y = x.exp()
    z = (y * 1).sum()
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        (z + y.sum()).backward()


def test_change_through_a_view_shares_the_version_counter():
    x = leaf(1.0, 2.0, 3.0, 4.0)
    h = x * 1
    y = (h * h).sum()
    view = h[1:3]
    view.mul_(10)
    assert h._version[0] == view._version[0] == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_change_of_the_base_is_seen_by_a_saved_view():
    x = leaf(1.0, 2.0, 3.0, 4.0)
    h = x * 1
    v = h.view(2, 2)
    y = (v * v).sum()
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_change_under_no_grad_is_also_detected():
    x = leaf(1.0, 2.0)
    h = x * 1
    y = (h * h).sum()
    with no_grad():
        h.zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_in_place_through_a_view_rebases_the_base(close):
    x = leaf(1.0, 2.0, 3.0)
    h = x * 1
    h[1:].mul_(10)
    (h * 1).sum().backward()
    close(x.grad, [1, 10, 10])


def test_in_place_change_of_unsaved_tensor_is_fine(close):
    x = leaf(1.0, 2.0)
    h = x * 1
    y = (h + 1).sum()
    h.add_(5)
    y.backward()
    close(x.grad, [1, 1])


def test_in_place_on_leaf_requiring_grad_raises():
    x = leaf(1.0)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)


def test_in_place_on_leaf_under_no_grad_is_allowed(close):
    x = leaf(1.0)
    with no_grad():
        x.add_(1)
    close(x, [2])
    assert x._version[0] == 1


def test_in_place_op_rebases_history(close):
    x = leaf(1.0, 2.0)
    h = x * 2
    h.mul_(3)
    assert h.grad_fn.name() == "MulBackward0"
    h.sum().backward()
    close(x.grad, [6, 6])


def test_detach_shares_version_counter():
    x = leaf(1.0, 2.0)
    h = x * 1
    y = (h * h).sum()
    h.detach().add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
