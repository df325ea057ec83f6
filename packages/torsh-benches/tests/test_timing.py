"""per_process: each library measured in its own child process, the best time per case kept over rounds."""

import json

import pytest
from torsh_benches import timing


def test_rounds_alternate_libraries_and_keep_the_minimum(monkeypatch):
    results = iter([{"x": 3.0, "y": 1.0}, {"x": 5.0}, {"x": 2.0, "y": 4.0}, {"x": 6.0}])
    calls = []

    def fake(module, lib, kwargs):
        calls.append((module, lib, kwargs))
        return next(results)

    monkeypatch.setattr(timing, "_measure_in_child", fake)
    monkeypatch.setattr(timing, "torch_installed", lambda: True)
    best = timing.per_process("matmul", ("torsh", "torch"), rounds=2, n=4)
    assert best == {"torsh": {"x": 2.0, "y": 1.0}, "torch": {"x": 5.0}}
    assert [lib for _, lib, _ in calls] == ["torsh", "torch", "torsh", "torch"]
    assert calls[0] == ("matmul", "torsh", {"n": 4})


def test_torch_is_left_out_when_not_installed(monkeypatch):
    monkeypatch.setattr(timing, "_measure_in_child", lambda module, lib, kwargs: {"x": 1.0})
    monkeypatch.setattr(timing, "torch_installed", lambda: False)
    assert list(timing.per_process("matmul", ("numpy", "torsh", "torch"))) == ["numpy", "torsh"]


def test_a_failing_child_raises_with_its_stderr():
    with pytest.raises(RuntimeError, match="No module named 'torsh_benches.no_such_module'"):
        timing.per_process("no_such_module", ("numpy",))


def test_child_prints_measure_as_json_on_its_last_line(capsys):
    timing._child("overhead", "numpy", json.dumps({"min_time": 0.0}))
    times = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert sorted(times) == ["add 1 elem, forward", "add 1000 elem, forward"] and min(times.values()) > 0
