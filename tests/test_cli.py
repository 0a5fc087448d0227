"""The ``skillode`` command: help, solve, sweep, report --quick, and clear errors for bad flags."""

import numpy as np
import pytest

from skillode.cli import build_parser, main, parse_axis
from skillode.trajectory import load


def test_help_mentions_every_command_and_examples(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for word in ("solve", "sweep", "report", "examples:", "lr_eff"):
        assert word in text
    for command in (["solve"], ["sweep"], ["sweep", "resource"], ["sweep", "geometry"], ["sweep", "train"],
                    ["report"]):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        assert "usage: skillode " + " ".join(command) in capsys.readouterr().out


def test_solve_prints_closed_form_times(capsys):
    assert main(["solve", "--alpha", "2", "--n", "10", "--eta", "0.018973665961010275", "--N0", "0"]) == 0
    out = capsys.readouterr().out
    assert "closed form" in out
    assert "104.32" in out and "516.69" in out  # the closed form at alpha = 2, n = 10, N0 = 0: 104.3 ... 516.7


def test_solve_prints_the_same_times_with_and_without_out(tmp_path, capsys):
    args = ["solve", "--n", "4", "--eta", "0.02", "--N0", "0.01", "--t-max", "100"]
    assert main(args) == 0
    without = capsys.readouterr().out
    assert main([*args, "--out", str(tmp_path / "traj.nc")]) == 0
    with_out = capsys.readouterr().out
    assert without.splitlines()[-4:] == with_out.splitlines()[-4:]


def test_solve_discrete_writes_trajectory(tmp_path, capsys):
    path = tmp_path / "traj.nc"
    args = ["solve", "--n", "3", "--eta", "0.02", "--N0", "0.01", "--method", "discrete", "--t-max", "300"]
    assert main([*args, "--out", str(path)]) == 0
    ds = load(path)
    assert ds.skill_level.dims == ("skill", "t") and ds.sizes["t"] == 301
    assert "discrete" in capsys.readouterr().out


def test_sweep_tiny(tmp_path, capsys):
    path = tmp_path / "sweep.nc"
    args = ["sweep", "resource", "--N0", "1e-3:1:3:log", "--alpha", "1,2", "--n", "3", "--t-max", "200",
            "--num-t", "21"]
    assert main([*args, "--no-progress", "--out", str(path)]) == 0
    ds = load(path)
    assert ds.skill_level.dims == ("N0", "alpha", "skill", "t")
    np.testing.assert_allclose(ds.N0.values, [1e-3, 10**-1.5, 1.0])
    assert "6 runs" in capsys.readouterr().out
    assert ds.learning_time.dims == ("N0", "alpha", "skill")  # the file carries the times it printed
    assert ds.skill_level.encoding.get("zlib")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["sweep", "resource", "--N0", "abc"], "--N0: N0 must be a number, got 'abc'"),
        (["sweep", "resource", "--N0", "0:1:4:log"], "log range needs"),
        (["sweep", "resource", "--N0", "-0.1"], "N0 (wasted resources) must be"),  # one run
        (["sweep", "resource", "--alpha", "1,1"], "distinct"),
        (["solve", "--N0", "-1"], "N0"),
        (["solve", "--t-max", "0"], "--t-max"),
        (["report", "--only", "xyz"], "unknown example"),
        (["report", "--only", "fig9_domino", "--workers", "0"], "--workers must be >= 1"),
        (["solve", "--out", "traj.csv"], "must end in .nc or .zarr"),
        (["sweep", "resource", "--N0", "0,0.1", "--out", "no/such/folder/s.nc"], "does not exist"),
        (["sweep", "resource", "--N0", "0,0.1", "--store", "s.nc"], "ending in .zarr"),
        (["sweep", "geometry", "--steps", "10", "--alpha", "1,2", "--N", "4.5"],
         "--N: N (dimension) must be an integer"),
        (["sweep", "geometry", "--steps", "10", "--n", "3", "--N", "2"], "needs n <= N"),  # a single run
        (["sweep", "geometry", "--steps", "10", "--seed", "0,1", "--optimizer", "bogus"], "optimizer must be one of"),
        (["sweep", "geometry", "--steps", "10", "--seed", "0,1", "--curves-at", "N"], "NAME=VALUES"),
        (["sweep", "train", "--steps", "10", "--make-model", "nomodule:f", "--make-task", "x:y", "--seed", "0,1"],
         "cannot import"),
    ],
)
def test_bad_values_give_clear_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_unknown_flag_is_rejected(capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["solve", "--bogus"])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_parse_axis_forms():
    np.testing.assert_allclose(parse_axis("0.5"), [0.5])
    np.testing.assert_allclose(parse_axis("0,0.1"), [0.0, 0.1])
    np.testing.assert_allclose(parse_axis("0:1:3"), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(parse_axis("1e-2:1:3:log"), [1e-2, 1e-1, 1.0])


def test_report_lists_examples(capsys):
    assert main(["report", "--list"]) == 0
    out = capsys.readouterr().out
    for name in ("fig9_domino", "fig17_gates", "fig4_two_skills"):
        assert name in out
    assert "_common" not in out


def test_report_quick_runs_examples_and_writes_the_scorecard(tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["report", "--only", "fig9_domino,fig17_gates", "--out", str(out)]) == 0
    assert "0 failed" in capsys.readouterr().out
    text = (out / "report.md").read_text()
    assert "| pass | `fig17.case1_order`" in text and "| pass | `fig9.serial_all_done`" in text
    for png in ("fig9_domino/fig9_domino.png", "fig17_gates/fig17_gates.png"):
        assert (out / png).stat().st_size > 10_000 and f"]({png})" in text
    page = (out / "index.html").read_text()
    assert page.count("data:image/png;base64,") == 2
    # the numbers come from the examples' own records (case 1 of Fig. 17: X1 at step 909 against the paper's 908)
    record = (out / "fig17_gates" / "fig17_gates.json").read_text()
    assert '"paper": 908' in record and '"value": 909' in record


GEO = ["sweep", "geometry", "--n", "3", "--N", "20", "--alpha", "1,2", "--seed", "0,1", "--batch-size", "16",
       "--learning-rate", "0.01", "--steps", "100", "--record-every", "10", "--no-progress"]


@pytest.mark.standard_dtype_promotion  # SignGD is optax's Adam(b1 = b2 = 0): see conftest.py
def test_geometry_sweep_store_resume_and_dry_run(tmp_path, capsys):
    import xarray as xr

    store = tmp_path / "g.zarr"
    assert main([*GEO, "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "4 runs in 1 blocks" in text and "estimated run time" in text and not store.exists()
    assert main([*GEO, "--store", str(store), "--out", str(tmp_path / "g.nc")]) == 0
    text = capsys.readouterr().out
    assert "4 runs" in text and "final loss" in text and "rerun the same command to resume" in text
    first = xr.open_zarr(store, consolidated=False).load()
    assert first.loss.dims == ("alpha", "seed", "t") and first.learning_time.dims == ("alpha", "seed", "skill")
    assert main([*GEO, "--store", str(store)]) == 0  # resumes: nothing left to run, same numbers
    again = xr.open_zarr(store, consolidated=False).load()
    np.testing.assert_array_equal(again.loss.values, first.loss.values)
    np.testing.assert_array_equal(load(tmp_path / "g.nc").loss.values, first.loss.values)


@pytest.mark.standard_dtype_promotion
def test_train_sweep_imports_its_factories(tmp_path, capsys, monkeypatch):
    (tmp_path / "cli_factories.py").write_text(
        "from skillode.networks import MLP, QuantizedSparseParity\n"
        "def make_model(width, key):\n    return MLP((9, width, 2), 'relu', key=key)\n"
        "def make_task(alpha, key):\n"
        "    return QuantizedSparseParity(n_control=3, n_data=6, k=2, alpha=alpha, key=key)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    argv = ["sweep", "train", "--make-model", "cli_factories:make_model", "--make-task", "cli_factories:make_task",
            "--seed", "0,1", "--task", "alpha=1.0", "--width", "8", "--learning-rate", "0.01",
            "--batch-size", "32", "--steps", "50", "--record-every", "10", "--no-progress",
            "--out", str(tmp_path / "t.nc")]
    assert main(argv) == 0
    assert "train sweep over seed[2]" in capsys.readouterr().out
    ds = load(tmp_path / "t.nc")
    assert ds.learning_time.dims == ("seed", "skill") and ds.sizes["skill"] == 3
