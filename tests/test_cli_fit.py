"""``skillode fit``: a user's table in, fitted parameters and (forecast) learning times out."""

import io
import re
import sys

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import skillode as sk
from skillode.cli import main


@pytest.fixture(scope="module")
def run_csv(tmp_path_factory):
    truth = sk.ResourceModel(p=sk.zipf(6, 1.5), eta=0.05, N0=0.05, loss_kind="ce")
    ts = np.arange(0.0, 1201.0, 10.0)
    loss = truth.solve(ts).skill_loss.values
    df = pd.DataFrame(loss.T, columns=[f"task{i}" for i in range(6)])
    df.insert(0, "step", ts)
    path = tmp_path_factory.mktemp("run") / "run.csv"
    df.to_csv(path, index=False)
    return path, truth.learning_times(0.9).values


def _run(argv, monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    status = main(argv)
    return status, out.getvalue()


def test_fit_forecast_prints_and_writes(run_csv, tmp_path, monkeypatch):
    path, truth = run_csv
    status, text = _run(["fit", str(path), "--kind", "loss", "--loss-kind", "ce", "--p", "zipf:1.5", "--forecast",
                         "--at", "500", "--out", str(tmp_path / "fit")], monkeypatch)
    assert status == 0
    eta = float(re.search(r"eta = ([0-9.e+-]+)", text).group(1))
    assert eta == pytest.approx(0.05, rel=0.02) and "forecast [" in text and "observed" in text
    result = xr.load_dataset(tmp_path / "fit" / "fit.nc")  # learning times, not a trajectory
    ahead = ~result.observed.values.astype(bool)
    np.testing.assert_allclose(result.learning_time.values[ahead], truth[ahead], rtol=0.02)
    assert (tmp_path / "fit" / "fit.png").stat().st_size > 10_000


def test_fit_curves_prints_parameters(run_csv, monkeypatch):
    path, _ = run_csv
    status, text = _run(["fit", str(path), "--kind", "loss", "--loss-kind", "ce", "--p", "zipf:1.5"], monkeypatch)
    assert status == 0 and "skill_loss curves" in text and "R^2 = 1.0000" in text


def test_fit_bad_input_is_one_line(run_csv, capsys):
    path, _ = run_csv
    with pytest.raises(SystemExit) as err:
        main(["fit", str(path), "--kind", "loss", "--p", "zipf:1.5"])
    assert err.value.code == 2
    assert "loss_kind" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["fit", str(path), "--kind", "loss", "--loss-kind", "ce", "--p", "0.5,0.5"])
    assert "--p gives 2 frequencies but the table has 6 skills" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["fit", str(path), "--loss-kind", "ce", "--p", "zipf:1.5", "--at", "300"])
    assert "--at (the step to forecast from) is used only with --forecast" in capsys.readouterr().err
