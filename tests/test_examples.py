"""The example scripts: each quick mode runs and its checks pass; the check API fails loudly; the report collects.

The scorecard run (every example's quick mode, as `skillode report` runs them) is marked slow (minutes). The
check-API and report-collection tests use tiny fake scripts and run in about a second each.
"""

import json
import math
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from skillode.report import examples_dir, list_examples, write_report

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = list_examples(EXAMPLES)


def run_script(script: Path, out: Path, *args, timeout=900):
    return subprocess.run([sys.executable, str(script), "--out", str(out), *args], capture_output=True, text=True,
                          timeout=timeout)


def test_every_example_is_listed_and_found():
    assert len(SCRIPTS) >= 20
    assert "_common" not in SCRIPTS
    assert examples_dir().resolve() == EXAMPLES  # a checkout (or editable install) reads examples/ itself


@pytest.mark.slow
def test_scorecard_quick_mode_runs_every_example(tmp_path):
    """The main job in CI: every example's quick mode, through `skillode report` (two at a time on 2 cores)."""
    report = write_report(tmp_path, quick=True, jobs=2, progress=False)
    assert sorted(run.name for run in report.runs) == sorted(SCRIPTS)
    failed = [f"{r['id']}: {r['value']} (tolerance {r['tolerance']})" for r in report.rows if r["status"] == "fail"]
    assert not failed, "\n".join(failed)
    for run in report.runs:
        assert run.returncode == 0, run.log[-3000:]
        result = run.result
        assert result["mode"] == "quick" and result["script"] == f"examples/{run.name}.py"
        assert result["checks"], f"{run.name} must record checks"
        for check in result["checks"]:
            assert check["status"] in ("pass", "differs", "not-run") and check["claim"] and check["description"], check
            assert check["kind"] in ("paper", "authors-code", "derived", "beyond"), check
            if check["status"] == "pass":
                assert isinstance(check["tolerance"], (int, float, str)) and check["tolerance_reason"], check
            if check["status"] == "differs":
                assert check["explanation"], check
            if check["figure"]:
                assert (run.outdir / check["figure"]).stat().st_size > 5_000
        assert result["figures"] and all((run.outdir / f).is_file() for f in result["figures"])
    assert report.counts()["pass"] >= 15  # at least one row per quantitative claim the scorecard must show
    page = report.html.read_text()
    assert page.count("data:image/png;base64,") >= len(SCRIPTS)


# ---------------------------------------------------------------------------------------------- the check API
def fake_script(directory: Path, name: str, body: str) -> Path:
    """A script in ``directory`` (next to a copy of _common.py) whose main() runs ``body`` with ``ex`` parsed."""
    if not (directory / "_common.py").exists():
        shutil.copy(EXAMPLES / "_common.py", directory / "_common.py")
    text = textwrap.dedent('''\
        """A fake example for the tests.

        It only records checks.
        """
        import sys
        from _common import Example, over_seeds


        def main(argv=None):
            ex = Example(__file__, __doc__, seeds=(2, 3))
            args = ex.parse(argv)
        {body}
            return ex.finish({{"seeds": args.seeds}})


        if __name__ == "__main__":
            raise SystemExit(main())
        ''').format(body=textwrap.indent(textwrap.dedent(body), "    "))
    path = directory / f"{name}.py"
    path.write_text(text)
    return path


FIGURE = """
from matplotlib.figure import Figure
fig = Figure(figsize=(3, 2.5), layout="constrained")
fig.subplots().plot([0, 1], [0, 1])
ex.save_figure(fig)
"""


def test_failing_check_makes_the_script_exit_nonzero(tmp_path):
    ok = fake_script(tmp_path, "ok", 'ex.check("a", "two is two", claim="Fig. 1", kind="paper", paper=2.0, '
                     'value=2.01, tolerance=0.05, tolerance_reason="read to ±0.05")\n'
                     'ex.check("d", "explained", claim="Fig. 1", kind="paper", paper=2.0, value=3.0, tolerance=0.1, '
                     'tolerance_reason="r", explanation="a shorter run")')
    bad = fake_script(tmp_path, "bad", 'ex.check("a", "fine", claim="Fig. 1", kind="derived", paper=2.0, value=2.0, '
                      'tolerance="1%", tolerance_reason="r")\n'
                      'ex.check("b", "off", claim="Fig. 1", kind="paper", paper=2.0, value=3.0, tolerance=0.5, '
                      'tolerance_reason="r")')
    proc = run_script(ok, tmp_path / "ok")
    assert proc.returncode == 0, proc.stderr  # an explained difference is not a failure
    assert "[differs] d" in proc.stdout and "explained: a shorter run" in proc.stdout
    proc = run_script(bad, tmp_path / "bad")
    assert proc.returncode == 1
    assert "[FAIL] b" in proc.stdout and "FAILED checks: b" in proc.stderr
    result = json.loads((tmp_path / "bad" / "bad.json").read_text())
    assert [c["status"] for c in result["checks"]] == ["pass", "fail"]
    rec = result["checks"][1]
    assert rec["paper"] == 2.0 and rec["value"] == 3.0 and rec["tolerance"] == 0.5 and rec["claim"] == "Fig. 1"
    assert rec["script"] == "examples/bad.py" and rec["kind"] == "paper" and rec["tolerance_reason"] == "r"


def test_check_api_records(tmp_path, capsys):
    sys.path.insert(0, str(EXAMPLES))
    try:
        from _common import Example, over_seeds
    finally:
        sys.path.remove(str(EXAMPLES))
    ex = Example(str(tmp_path / "demo.py"), "Demo.\n\nMore.", seeds=(2, 5), seed_start=3)
    args = ex.parse(["--out", str(tmp_path / "o"), "--quick"])
    assert args.seeds == [3, 4] and ex.quick
    assert ex.parse(["--out", str(tmp_path / "o"), "--seeds", "3"]).seeds == [3, 4, 5]
    why = {"tolerance_reason": "read off the figure to ±5%"}
    assert ex.check("x.auto", "auto", claim="Fig. 2", kind="paper", paper=10.0, value=10.4, tolerance="5%", **why)
    assert not ex.check("x.nan", "NaN never passes", claim="Fig. 2", kind="paper", paper=1.0, value=float("nan"),
                        tolerance=1e9, explanation="not even explained", **why)
    assert ex.check("x.list", "lists compare element by element", claim="Fig. 2", kind="authors-code",
                    paper=[1.0, 2.0], value=[1.05, 1.95], tolerance=0.1, **why)
    ex.not_run("x.full", "needs the full run", claim="Fig. 2", kind="derived", paper=1.0)
    kw = over_seeds([1.0, 3.0, 2.0, float("nan")])
    assert kw["value"] == 2.0 and kw["spread"] == [1.0, 3.0] and "1 not reached" in kw["spread_label"]
    assert ex.check("x.seeds", "seeds", claim="Fig. 2", kind="beyond", paper=2.0, tolerance=0.1, **kw, **why)
    with pytest.raises(ValueError, match="duplicate"):
        ex.check("x.auto", "again", claim="Fig. 2", kind="paper", paper=1.0, value=1.0, tolerance=0.1, **why)
    assert ex.finish({"a": [1, 2]}) == 1  # x.nan failed
    result = json.loads((tmp_path / "o" / "demo.json").read_text())
    assert [c["status"] for c in result["checks"]] == ["pass", "fail", "pass", "not-run", "pass"]
    assert result["checks"][1]["value"] is None and result["checks"][1]["reason"] == "measured value is not finite"
    assert [c["kind"] for c in result["checks"]] == ["paper", "paper", "authors-code", "derived", "beyond"]
    assert result["checks"][4]["spread"] == [1.0, 3.0]
    assert "[not run] x.full" in capsys.readouterr().out


def _example(tmp_path):
    sys.path.insert(0, str(EXAMPLES))
    try:
        from _common import Example
    finally:
        sys.path.remove(str(EXAMPLES))
    ex = Example(str(tmp_path / "demo.py"), "Demo.")
    ex.parse(["--out", str(tmp_path / "o")])
    return ex


@pytest.mark.parametrize("tolerance", [None, "close", "increasing", "within (1, 6)", True, -0.1, float("inf"),
                                       "x%"])
def test_a_check_without_a_numeric_tolerance_cannot_pass(tmp_path, tolerance):
    ex = _example(tmp_path)
    with pytest.raises(ValueError, match="tolerance must be a finite number"):
        ex.check("x", "d", claim="Fig. 2", kind="paper", paper=2.0, value=2.0, tolerance=tolerance,
                 tolerance_reason="r")
    assert not ex.checks


def test_a_verdict_only_from_numbers(tmp_path):
    ex = _example(tmp_path)
    with pytest.raises(ValueError, match="passed= is not accepted"):
        ex.check("x", "d", claim="Fig. 2", kind="paper", paper=2.0, value=2.0, tolerance=0.1, tolerance_reason="r",
                 passed=True)
    with pytest.raises(ValueError, match="tolerance_reason"):
        ex.check("x", "d", claim="Fig. 2", kind="paper", paper=2.0, value=2.0, tolerance=0.1)
    with pytest.raises(ValueError, match="paper must be a finite number"):
        ex.check("x", "d", claim="Fig. 2", kind="paper", paper="≈2", value=2.0, tolerance=0.1, tolerance_reason="r")
    with pytest.raises(ValueError, match="value must be a number"):
        ex.check("x", "d", claim="Fig. 2", kind="paper", paper=2.0, value="160 vs 2200", tolerance=0.1,
                 tolerance_reason="r")
    with pytest.raises(ValueError, match="value has 3 entries, paper 2"):
        ex.check("x", "d", claim="Fig. 2", kind="paper", paper=[1.0, 2.0], value=[1.0, 2.0, 3.0], tolerance=0.1,
                 tolerance_reason="r")
    assert not ex.checks


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), None, [1.0, float("inf")]])
def test_a_value_that_is_not_finite_cannot_pass(tmp_path, value):
    ex = _example(tmp_path)
    paper = [1.0, 2.0] if isinstance(value, list) else 1.0
    assert not ex.check("x", "d", claim="Fig. 2", kind="paper", paper=paper, value=value, tolerance=1e300,
                        tolerance_reason="r", explanation="an explanation does not make it 'differs'")
    assert ex.checks[0]["status"] == "fail" and ex.checks[0]["reason"] == "measured value is not finite"


def test_differs_is_outside_the_tolerance_with_an_explanation(tmp_path):
    ex = _example(tmp_path)
    assert not ex.check("d", "d", claim="Fig. 2", kind="paper", paper=2.26, value=3.61, tolerance=0.23,
                        tolerance_reason="r", explanation="a shorter run")
    assert ex.check("p", "p", claim="Fig. 2", kind="paper", paper=2.26, value=2.3, tolerance=0.23,
                    tolerance_reason="r", explanation="a shorter run")  # within the tolerance: a plain pass
    assert [c["status"] for c in ex.checks] == ["differs", "pass"]
    assert ex.checks[0]["explanation"] == "a shorter run"
    assert ex.finish() == 0  # differs is not a failure
    with pytest.raises(ValueError, match="explanation must be a non-empty text"):
        ex.check("e", "e", claim="Fig. 2", kind="paper", paper=1.0, value=1.0, tolerance=0.1, tolerance_reason="r",
                 explanation=" ")


@pytest.mark.parametrize("kind", [None, "plot", "Paper", "code"])
def test_kinds_are_validated(tmp_path, kind):
    ex = _example(tmp_path)
    match = r"kind must be one of 'paper', 'authors-code', 'derived', 'beyond'"
    with pytest.raises(ValueError, match=match):
        ex.check("x", "d", claim="Fig. 2", kind=kind, paper=1.0, value=1.0, tolerance=0.1, tolerance_reason="r")
    with pytest.raises(ValueError, match=match):
        ex.not_run("y", "d", claim="Fig. 2", kind=kind)
    assert not ex.checks


def test_ordering_helpers(tmp_path):
    sys.path.insert(0, str(EXAMPLES))
    try:
        from _common import median_tolerance, out_of_order, seed_tolerance
    finally:
        sys.path.remove(str(EXAMPLES))
    assert out_of_order([1, 2, 3]) == 0 and out_of_order([1, 3, 2, 2]) == 2
    assert out_of_order([3, 2, 1], decreasing=True) == 0 and out_of_order([1, 2], decreasing=True) == 1
    assert math.isnan(out_of_order([1, float("nan"), 3]))
    assert seed_tolerance({"value": 2.0, "spread": [1.5, 3.0]}, read=0.1) == pytest.approx(1.1)
    assert seed_tolerance({"value": 2.0, "spread": None}, read=0.1) == 0.1
    assert median_tolerance([1.0]) == 0.0 and median_tolerance([1.0, 1.0, 1.0]) == 0.0
    assert 0 < median_tolerance([1.0, 2.0, 3.0, 4.0, 10.0]) <= 9.0



def test_sweep_flags_give_one_store_per_part_and_the_client(tmp_path):
    sys.path.insert(0, str(EXAMPLES))
    try:
        from _common import Example
    finally:
        sys.path.remove(str(EXAMPLES))
    ex = Example(str(tmp_path / "study.py"), "Study.")
    with pytest.raises(RuntimeError, match="add_sweep_flags"):
        ex.store("a")
    ex.add_sweep_flags()
    ex.parse(["--out", str(tmp_path / "o")])
    path = ex.store("grid", "alpha=1.5", "N0100")  # dots in a part's name stay in it
    assert path == tmp_path / "o" / "store" / "grid" / "alpha=1.5" / "N0100.zarr" and path.parent.is_dir()
    ex.parse(["--out", str(tmp_path / "o"), "--store", str(tmp_path / "shared")])
    assert ex.store("p") == tmp_path / "shared" / "p.zarr"
    with ex.client() as client:
        assert client is None  # neither --workers nor --scheduler: in process
    with pytest.raises(SystemExit):
        ex.parse(["--out", str(tmp_path / "o"), "--workers", "2", "--scheduler", "tcp://x:1"])
    ex.parse(["--out", str(tmp_path / "o"), "--workers", "0"])
    with pytest.raises(SystemExit):
        ex.client()


def test_script_without_checks_fails(tmp_path):
    assert run_script(fake_script(tmp_path, "empty", "pass"), tmp_path / "e").returncode == 1


# ---------------------------------------------------------------------------------------------- the report
def test_report_collects_fake_examples(tmp_path):
    src = tmp_path / "examples"
    src.mkdir()
    fake_script(src, "good", FIGURE + 'ex.check("good.a", "works", claim="Fig. 1", kind="paper", paper=1.0, '
                'value=1.0, tolerance=0.1, tolerance_reason="read to ±0.1")\nex.not_run("good.b", "later", '
                'claim="Fig. 1", kind="derived", reason="full run only")')
    fake_script(src, "wrong", FIGURE + 'ex.check("wrong.a", "off by one", claim="Fig. 2", kind="paper", paper=1.0, '
                'value=2.0, tolerance=0.1, tolerance_reason="r")')
    fake_script(src, "crash", 'raise RuntimeError("boom")')
    fake_script(src, "slow", 'import time\ntime.sleep(30)')
    out = tmp_path / "report"
    report = write_report(out, directory=src, timeout=5, jobs=2, progress=False)
    status = {r["id"]: r["status"] for r in report.rows}
    assert status == {"good.a": "pass", "good.b": "not-run", "wrong.a": "fail", "crash.run": "fail",
                      "slow.run": "fail"}
    assert report.n_failed == 3
    md = (out / "report.md").read_text()
    row = ("| pass | `good.a` works | paper | Fig. 1 | 1 | 1 | ± 0.1 (read to ±0.1) | [good.png](good/good.png) | "
           "[good.py](good/good.py) |")

    assert row in md
    assert "not run (full run only)" in md and "timed out" in md and "no result file" in md
    page = (out / "index.html").read_text()
    assert page.count("data:image/png;base64,") == 2 and "<table>" in page
    assert (out / "crash" / "log.txt").read_text().count("boom") >= 1
    assert (out / "good" / "good.py").is_file()
    only = write_report(out, directory=src, only=["good"], progress=False)
    assert only.n_failed == 0 and [r.name for r in only.runs] == ["good"]
    with pytest.raises(ValueError, match="unknown example"):
        write_report(out, directory=src, only=["nope"], progress=False)
