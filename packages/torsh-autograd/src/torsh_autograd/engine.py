"""The reverse-mode engine: walks the graph of Nodes from the roots, knowing nothing about any op."""

import sys

from torsh_core.errors import TorshRuntimeError

from . import anomaly, grad_mode, tensor_api
from .node import AccumulateGrad, accumulate_into


def gradient_edge(t):
    """The (node, output index) a gradient for ``t`` flows into, or None if ``t`` needs no grad."""
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    if t.requires_grad:
        return (t._grad_accumulator(), 0)
    return None


def _dependencies(root_nodes):
    """How many edges point at each reachable node."""
    deps = {}
    stack = list(root_nodes)
    seen = set(stack)
    while stack:
        node = stack.pop()
        for edge in node.next_functions:
            if edge is None:
                continue
            child = edge[0]
            deps[child] = deps.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return deps


def _needed(root_nodes, targets):
    """Nodes from which some target node is reachable (the only ones autograd.grad must run)."""
    needed = {}
    stack = [(n, False) for n in root_nodes]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            needed[node] = node in targets or any(
                e is not None and needed.get(e[0], False) for e in node.next_functions
            )
            continue
        if node in needed:
            continue
        needed[node] = False
        stack.append((node, True))
        for e in node.next_functions:
            if e is not None and e[0] not in needed:
                stack.append((e[0], False))
    return needed


def _apply_pre_hooks(node, grads):
    """Tensor hooks, then retain_grad's store, then the node's own pre-hooks (PyTorch's order)."""
    hooks = list(node._pre_hooks.values()) if node._pre_hooks else ()
    for index, fn in hooks:
        if index is not None and grads[index] is not None:
            new = fn(grads[index])
            if new is not None:
                _check_hook_result(fn, grads[index], new)
                grads[index] = new
    if node._retain_hooks:
        for index, fn in list(node._retain_hooks.items()):
            if grads[index] is not None:
                fn(grads[index])
    for index, fn in hooks:
        if index is None:
            new = fn(tuple(grads))
            if new is not None:
                new = list(new)
                if len(new) != len(grads):
                    raise TorshRuntimeError(f"hook '{_hook_name(fn)}' returned {len(new)} gradients, "
                                            f"expected {len(grads)}")
                for old, g in zip(grads, new):
                    if old is not None and g is not None:
                        _check_hook_result(fn, old, g)
                grads[:] = new


def _hook_name(fn):
    return getattr(fn, "__name__", type(fn).__name__)


def _check_hook_result(fn, old, new):
    if not tensor_api.get().is_tensor(new):
        raise TorshRuntimeError(f"hook '{_hook_name(fn)}' must return a Tensor or None, got {type(new).__name__}")
    if tuple(new.shape) != tuple(old.shape):
        raise TorshRuntimeError(f"hook '{_hook_name(fn)}' has changed the size of value: expected "
                                f"{list(old.shape)}, got {list(new.shape)}")


def _materialize(node, grads):
    meta = node._out_meta
    api = tensor_api.get()
    for i, g in enumerate(grads):
        if g is None and meta is not None and meta[i] is not None:
            grads[i] = api.zeros(*meta[i])


def _check_nan(node, outs):
    api = tensor_api.get()
    for i, g in enumerate(outs):
        if g is not None and api.isnan_any(g):
            raise TorshRuntimeError(
                f"Function '{node.name()}' returned nan values in its {i}th output.\n"
                f"Traceback of forward call that caused the error:\n{getattr(node, '_trace', '(unknown)')}"
            )


def run(roots, grad_roots, retain_graph, create_graph, inputs=None, accumulate=True):
    """Back-propagate ``grad_roots`` from ``roots``; returns captured grads for ``inputs`` (in their order)."""
    buffers = {}
    root_nodes = []
    for t, g in zip(roots, grad_roots):
        edge = gradient_edge(t)
        if edge is None:
            raise TorshRuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        node, idx = edge
        buf = buffers.setdefault(node, {})
        buf[idx] = g if idx not in buf else buf[idx] + g
        if node not in root_nodes:
            root_nodes.append(node)

    captures = None
    needed = None
    if inputs is not None:
        captures = {}
        for pos, t in enumerate(inputs):
            edge = gradient_edge(t)
            if edge is None:
                raise TorshRuntimeError(f"One of the differentiated Tensors (input {pos}) does not require grad")
            captures.setdefault(edge[0], []).append((edge[1], pos))
        needed = _needed(root_nodes, captures)
    results = [None] * (len(inputs) if inputs is not None else 0)

    deps = _dependencies(root_nodes)
    ready = [n for n in root_nodes if deps.get(n, 0) == 0]
    previous_mode = grad_mode._state.enabled
    grad_mode._state.enabled = bool(create_graph)  # backward formulas record only when building a graph
    try:
        while ready:
            node = ready.pop()
            buf = buffers.pop(node, None)
            outs = _run_node(node, buf, captures, results, needed, accumulate, retain_graph, create_graph) if buf \
                else ()
            for i, edge in enumerate(node.next_functions):
                if edge is None:
                    continue
                child, idx = edge
                g = outs[i] if outs else None
                if g is not None and (needed is None or needed.get(child)):
                    cbuf = buffers.get(child)
                    if cbuf is None:
                        buffers[child] = {idx: g}
                    else:
                        cbuf[idx] = cbuf[idx] + g if idx in cbuf else g
                left = deps[child] - 1
                deps[child] = left
                if not left:
                    ready.append(child)
            outs = g = None  # keep no reference to a gradient, so that a leaf can take it without a copy
    finally:
        grad_mode._state.enabled = previous_mode
    return results


def _refcount(x):
    return sys.getrefcount(x)


def _fresh_refcount():
    """getrefcount of an object held by one caller's local only, seen through one call (as _stealable sees g)."""
    probe = object()
    return _refcount(probe)


_FRESH = _fresh_refcount()


def _stealable(g):
    """True when the leaf may keep ``g`` as its ``.grad`` without a copy (what PyTorch's AccumulateGrad does):
    a detached, C-contiguous tensor whose memory nothing else can reach (no user tensor, hook, capture, other view
    or second leaf shares ``g``, its array or the array it views). A view is cut loose from its base here."""
    if g.grad_fn is not None or g.requires_grad or _refcount(g) != _FRESH + 1:
        return False
    data = g._data
    if not getattr(data, "flags", None) or not data.flags.c_contiguous or _refcount(data) != _FRESH + 1:
        return False
    base = g._base
    if base is None:
        return getattr(data, "base", True) is None
    if base._base is not None or base.grad_fn is not None or _refcount(base) != _FRESH + 1:
        return False
    owner = base._data
    if data.base is not owner or getattr(owner, "base", True) is not None or _refcount(owner) != _FRESH + 2:
        return False
    g._base = None
    return True


def _run_node(node, buf, captures, results, needed, accumulate, retain_graph, create_graph):
    """Run one node's hooks and backward; returns the grads for its next_functions (or () to stop here)."""
    meta = node._out_meta
    grads = [buf.get(0)] if meta is None else [buf.get(i) for i in range(len(meta))]
    if node._pre_hooks or node._retain_hooks:
        _apply_pre_hooks(node, grads)
    if captures is not None and node in captures:
        for idx, pos in captures[node]:
            results[pos] = grads[idx]
    if isinstance(node, AccumulateGrad):
        if accumulate and (captures is None or node in captures) and grads[0] is not None:
            g = grads[0]
            grads[0] = None
            buf.clear()  # the engine's references to g gone, only this frame's remain
            steal = not create_graph and _stealable(g)  # before g is pushed as an argument (one more reference)
            node.accumulate(g, create_graph, steal)
        return ()
    if needed is not None and not any(e is not None and needed.get(e[0]) for e in node.next_functions):
        return ()
    if meta is not None:
        _materialize(node, grads)
    outs = node.backward_fn(node, *grads)
    if not isinstance(outs, tuple):
        outs = (outs,)
    if len(outs) != len(node.next_functions):
        raise TorshRuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {len(node.next_functions)}, got {len(outs)})"
        )
    if anomaly._enabled:
        _check_nan(node, outs)
    if node._hooks:
        for fn in list(node._hooks.values()):
            new = fn(outs, tuple(grads))
            if new is not None:
                outs = tuple(new)
    if not retain_graph:
        node.release()
    return outs


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaves) into each leaf's ``.grad`` (``torch.autograd.backward``)."""
    tensors, grads = _prepare(tensors, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = [inputs] if tensor_api.get().is_tensor(inputs) else list(inputs)
        if not inputs:
            raise TorshRuntimeError("'inputs' argument to backward() cannot be empty.")
    results = run(tensors, grads, retain_graph, create_graph, inputs=inputs, accumulate=True)
    for t, g in zip(inputs or (), results):
        if g is not None and t.grad_fn is not None:
            accumulate_into(t, g, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned instead of accumulated."""
    if is_grads_batched:
        from torsh_core.errors import TorshNotImplementedError

        raise TorshNotImplementedError("autograd.grad(is_grads_batched=True) is not supported by torsh yet")
    api = tensor_api.get()
    single = api.is_tensor(inputs)
    inputs = [inputs] if single else list(inputs)
    outputs, grads = _prepare(outputs, grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    results = run(outputs, grads, retain_graph, create_graph, inputs=inputs, accumulate=False)
    for i, r in enumerate(results):
        if r is None:
            if materialize_grads:
                results[i] = api.zeros_like(inputs[i])
            elif not allow_unused:
                raise TorshRuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
        elif not create_graph:
            results[i] = r.detach()
    return tuple(results)


def _prepare(outputs, grad_outputs):
    """Normalise outputs and grad_outputs to lists, making implicit ones for scalar outputs."""
    api = tensor_api.get()
    outputs = [outputs] if api.is_tensor(outputs) else list(outputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif api.is_tensor(grad_outputs):
        grad_outputs = [grad_outputs]
    else:
        grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise TorshRuntimeError(
            f"grad_tensors/grad_outputs has {len(grad_outputs)} elements but there are {len(outputs)} outputs"
        )
    grads = []
    for out, g in zip(outputs, grad_outputs):
        if g is None:
            if not out.requires_grad:
                raise TorshRuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
            if out.numel() != 1:
                raise TorshRuntimeError("grad can be implicitly created only for scalar outputs")
            g = api.ones_like(out)
        elif not api.is_tensor(g):
            g = api.full_like(out, g)
        elif tuple(g.shape) != tuple(out.shape):
            raise TorshRuntimeError(
                f"Mismatch in shape: grad_output[0] has a shape of {tuple(g.shape)} and output[0] has a shape "
                f"of {tuple(out.shape)}."
            )
        grads.append(g)
    return outputs, grads
