"""The trajectory format: construction, validation, netCDF round trips."""

import numpy as np
import pytest
from conftest import toy_trajectory as _toy

import skillode as sk


def test_bad_trajectories_raise():
    with pytest.raises(ValueError, match="strictly increasing"):
        sk.make_trajectory([0.0, 0.0], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="shape"):
        sk.make_trajectory([0.0, 1.0], np.zeros(2))


def test_save_load_roundtrip(tmp_path):
    ds = _toy()
    back = sk.load(sk.save(ds, tmp_path / "traj.nc"))
    np.testing.assert_array_equal(back.skill_level.values, ds.skill_level.values)
    assert back.attrs["ok"] == 1 and "1.0" in back.attrs["C"]
    sweep = _toy(sweep=True)
    np.testing.assert_array_equal(sk.load(sk.save(sweep, tmp_path / "s.nc")).N0.values, [0.1, 1.0])


def test_load_refuses_what_is_not_a_skillode_trajectory(tmp_path):
    import xarray as xr

    plain = tmp_path / "plain.nc"
    xr.Dataset({"x": ("t", [1.0, 2.0])}, coords={"t": [0.0, 1.0]}).to_netcdf(plain)
    with pytest.raises(ValueError, match="not a skillode trajectory"):
        sk.load(plain)
    future = _toy()
    future.attrs["skillode_format"] = 99
    with pytest.raises(ValueError, match="format version 99"):
        sk.load(sk.save(future, tmp_path / "future.nc"))
    broken = _toy().rename({"skill_level": "level"}).drop_vars("skill_loss")
    with pytest.raises(ValueError, match="not a valid skillode trajectory.*skill_level"):
        sk.load(sk.save(broken, tmp_path / "broken.nc"))
    with pytest.raises(ValueError, match="no trajectory file"):
        sk.load(tmp_path / "missing.nc")
