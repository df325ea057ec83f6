"""The whole suite runs end to end in quick mode and writes its JSON (timings themselves are never checked)."""

import json

import pytest
from torsh_benches import kernels, matmul, report, suite, training


def test_quick_suite_writes_json(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert suite.main(["--quick", "--only", "matmul", "elementwise", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert set(data["results"]) == {"matmul", "elementwise"}
    assert data["results"]["matmul"][0]["torsh_gflops"] > 0
    assert "load average" in capsys.readouterr().out


@pytest.mark.parametrize("name", list(training.MODELS))
def test_each_training_step_runs_in_torsh(name):
    import torsh

    step, batch = training.step_fn(torsh, training.MODELS[name])
    step()
    assert batch in (128, 64, 32)


def test_peak_states_its_assumption():
    peak = matmul.fp32_peak()
    assert "FLOPs/cycle" in peak["assumption"] or "unknown" in peak["assumption"]


def test_a_failing_kernel_module_is_reported(monkeypatch):
    def fail(repeat, min_time):
        raise RuntimeError("no kernel")

    monkeypatch.setattr(kernels.kernels_a, "run", fail)
    assert kernels.run_module(kernels.kernels_a) == {"module": "kernels_a", "error": "RuntimeError: no kernel"}


def test_ratios_invert_overhead_times_and_table_dashes():
    results = {"overhead": [{"case": "x", "torsh_vs_torch": 2.0}], "training": [{"case": "y", "torsh_vs_torch": 1.5}]}
    assert report.ratios(results) == [("overhead: x", 0.5), ("training: y", 1.5)]
    assert "-" in report.table([{"case": "z", "a": None}])
