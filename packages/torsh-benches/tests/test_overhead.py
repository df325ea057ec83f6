"""The overhead benchmark runs end to end (tiny timings; the numbers themselves are never checked)."""

import json

from torsh_benches import overhead


def test_run_gives_one_row_per_case_without_torch():
    rows = overhead.run(repeat=1, min_time=0.0, libs=("numpy", "torsh"))
    assert [r["case"] for r in rows] == [f"add {n} elem, {m}" for n in overhead.SIZES for m in overhead.MODES]
    for r in rows:
        assert r["torsh_us"] > 0 and "torch_us" not in r and r["torsh_vs_torch"] is None
    assert rows[0]["numpy_us"] > 0 and rows[1]["numpy_us"] is None


def test_table_formats_missing_values_as_dashes():
    rows = [{"case": "add 1 elem, forward", "numpy_us": 0.5, "torch_us": None, "torsh_us": 2.0,
             "torsh_vs_torch": None}]
    text = overhead.table(rows)
    assert text.splitlines()[0].split()[:2] == ["case", "numpy"]
    assert "0.50" in text and "2.00" in text and "-" in text.splitlines()[1]


def test_main_writes_json(tmp_path, capsys):
    out = tmp_path / "overhead.json"
    assert overhead.main(["--repeat", "1", "--min-time", "0", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert len(data["results"]) == len(overhead.SIZES) * len(overhead.MODES)
    assert "torsh us" in capsys.readouterr().out


def test_time_us_is_positive():
    assert overhead.time_us(lambda: None, repeat=2, min_time=0.0) > 0
