"""Tensor-side autograd state: requires_grad rules, leaves, detach/clone, .data, .grad, deepcopy, pickling."""

import copy
import pickle

import pytest
import torsh_tensor as T
from torsh_core import dtypes as dt


def test_requires_grad_only_for_floating_and_complex():
    assert T.zeros(2).requires_grad_().requires_grad
    assert T.zeros(2, dtype=dt.complex64).requires_grad_().requires_grad
    for d in (dt.int64, dt.int32, dt.uint8, dt.bool):
        with pytest.raises(RuntimeError, match="only Tensors of floating point"):
            T.zeros(2, dtype=d).requires_grad_()
        with pytest.raises(RuntimeError, match="only Tensors of floating point"):
            T.zeros(2, dtype=d).requires_grad = True
    assert T.zeros(2, dtype=dt.int64).requires_grad_(False).requires_grad is False


def test_requires_grad_flag_on_non_leaf():
    y = T.ones(2, requires_grad=True) * 2
    assert y.requires_grad_() is y
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)


def test_leaves():
    x = T.ones(2, requires_grad=True)
    assert x.is_leaf and not (x * 2).is_leaf and T.ones(2).is_leaf
    assert (T.ones(2) * 2).is_leaf


def test_detach_shares_memory_and_drops_history():
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    d[0] = 10
    assert y[0].item() == 10
    assert x.data.requires_grad is False and x.data.data_ptr() == x.data_ptr()


def test_detach_in_place():
    y = T.tensor([1.0], requires_grad=True) * 2
    assert y.detach_() is y and y.grad_fn is None and not y.requires_grad


def test_clone_copies_and_keeps_history():
    x = T.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.grad_fn is not None and not c.is_leaf and c.data_ptr() != x.data_ptr()
    (c * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    plain = T.tensor([1, 2]).clone()
    assert plain.grad_fn is None and plain.tolist() == [1, 2]


def test_grad_attribute_can_be_set_and_cleared():
    x = T.ones(2, requires_grad=True)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_setting_data_replaces_values_but_keeps_identity():
    x = T.ones(2, requires_grad=True)
    x.data = T.tensor([5.0, 6.0])
    assert x.requires_grad and x.tolist() == [5.0, 6.0]
    with pytest.raises(TypeError):
        x.data = [1.0]


def test_deepcopy_of_leaf_and_non_leaf():
    x = T.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    c = copy.deepcopy(x)
    assert c is not x and c.requires_grad and c.grad.tolist() == [2.0, 2.0]
    assert c.data_ptr() != x.data_ptr()
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)


def test_pickle_round_trip_keeps_requires_grad():
    x = T.tensor([[1.0, 2.0]], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == [[1.0, 2.0]] and y.requires_grad and y.dtype is dt.float32


def test_version_counter_bumps_on_in_place_ops():
    x = T.zeros(3)
    v = x._version[0]
    x.add_(1)
    x[0] = 5
    assert x._version[0] == v + 2


def test_tensors_hash_by_identity():
    a, b = T.ones(1), T.ones(1)
    assert len({a, b}) == 2 and {a: 1}[a] == 1


def test_integer_op_results_never_require_grad():
    x = T.tensor([1.0, 3.0], requires_grad=True)
    assert not (x > 2).requires_grad
    assert not x.argmax().requires_grad
