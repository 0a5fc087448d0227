"""Own training runs in: `skillode.from_curves` / `read_curves` (conversions, layouts, bad tables)."""

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

import skillode as sk
from skillode.curves import (
    accuracy_from_skill_level,
    from_curves,
    read_curves,
    skill_level_from_accuracy,
    skill_level_from_loss,
    skill_loss_from_level,
)

STEPS = np.array([0.0, 10.0, 20.0, 30.0])


def _model_run(loss_kind):
    model = sk.ResourceModel(p=sk.zipf(3, 1.0), eta=0.05, N0=0.02, loss_kind=loss_kind)
    return model, model.solve(STEPS)


@pytest.mark.parametrize("loss_kind", ["mse", "ce"])
def test_loss_conversion_is_the_models_own(loss_kind):
    # the model's per-skill loss, converted, gives back the model's skill level exactly
    _, run = _model_run(loss_kind)
    traj = from_curves(run.skill_loss.values.T, STEPS, kind="loss", loss_kind=loss_kind)
    np.testing.assert_allclose(traj.skill_level.values, run.skill_level.values, rtol=1e-12, atol=1e-12)
    back = skill_loss_from_level(traj.skill_level.values, loss_kind)
    np.testing.assert_allclose(back, run.skill_loss.values, rtol=1e-10, atol=1e-14)
    assert traj.attrs["measured"] == "skill_loss" and traj.attrs["loss_kind"] == loss_kind


def test_conversions_closed_forms():
    assert skill_level_from_loss(np.log(2.0), "ce") == pytest.approx(0.5)  # CE at chance (binary) -> 1/2
    assert skill_level_from_loss(0.25, "mse", loss0=1.0) == pytest.approx(0.5)
    assert skill_level_from_loss(1.0, "mse", loss0=4.0) == pytest.approx(0.5)
    assert skill_level_from_accuracy(0.75, 0.5) == pytest.approx(0.5)
    assert accuracy_from_skill_level(skill_level_from_accuracy(0.3, 0.1), 0.1) == pytest.approx(0.3)


def test_conversions_refuse_values_out_of_range_but_pass_nan_and_jit():
    with pytest.raises(ValueError, match=r"loss: each value must be a loss >= 0; 1 value\(s\) are not \(the first -0"):
        skill_level_from_loss(np.array([0.2, -0.1]), "ce")
    with pytest.raises(ValueError, match=r"accuracy: each value must be an accuracy in \[0, 1\]"):
        skill_level_from_accuracy(np.array([1.2]), 0.5)
    assert np.isnan(skill_level_from_loss(np.array([np.nan]), "mse")[0])
    jitted = jax.jit(lambda loss: skill_level_from_loss(loss, "ce"))(jnp.array([np.log(2.0)]))
    assert float(jitted[0]) == pytest.approx(0.5)


def test_layouts_explicit_and_the_square_case_refused():
    v = np.random.default_rng(0).uniform(0.1, 0.6, size=(4, 2))  # (steps, skills)
    a = from_curves(v, STEPS, kind="loss", loss_kind="ce")
    b = from_curves(v.T, STEPS, kind="loss", loss_kind="ce")  # (skills, steps): unambiguous, 4 != 2
    c = from_curves(v.T, STEPS, kind="loss", loss_kind="ce", layout="skill,step")
    np.testing.assert_array_equal(a.skill_loss.values, b.skill_loss.values)
    np.testing.assert_array_equal(a.skill_loss.values, c.skill_loss.values)
    square = np.full((4, 4), 0.3)
    with pytest.raises(ValueError, match="both axes could be the steps"):
        from_curves(square, STEPS, kind="loss", loss_kind="ce")
    t = from_curves(square, STEPS, kind="loss", loss_kind="ce", layout="skill,step")
    assert t.sizes == {"skill": 4, "t": 4}
    runs = np.stack([v, v])  # (runs, steps, skills)
    with pytest.raises(ValueError, match="layout="):
        from_curves(runs, STEPS, kind="loss", loss_kind="ce")
    r = from_curves(runs, STEPS, kind="loss", loss_kind="ce", layout="run,step,skill", run_dim="seed")
    assert r.skill_level.dims == ("seed", "skill", "t")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(kind="loss"), "loss_kind"),
        (dict(kind="accuracy"), "chance"),
        (dict(kind="accuracy", chance=1.5), "chance"),
        (dict(kind="bogus", loss_kind="ce"), "kind must be one of"),
        (dict(kind="loss", loss_kind="ce", layout="step,run"), "layout"),
        (dict(kind="loss", loss_kind="ce", p=[0.5, 0.4]), "sum to 1"),
        (dict(kind="loss", loss_kind="ce", skills=["a"]), "skills must name"),
    ],
)
def test_bad_arguments_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        from_curves(np.full((4, 2), 0.3), STEPS, **kwargs)


@pytest.mark.parametrize(
    "values, steps, match",
    [
        (np.full((4, 2), -0.1), STEPS, r"a loss >= 0; 8 value\(s\) are not"),
        (np.full((4, 2), np.inf), STEPS, "infinite"),
        (np.where(np.arange(2) == 1, np.nan, np.full((4, 2), 0.3)), STEPS, "skill 2"),
        (np.full((4, 2), 0.3), np.array([0.0, 10.0, 10.0, 20.0]), "repeated"),
        (np.full((4, 2), 0.3), np.array([0.0, 20.0, 10.0, 30.0]), "decreasing"),
        (np.full((3, 2), 0.3), STEPS, "no axis has that length"),
    ],
)
def test_bad_values_named(values, steps, match):
    with pytest.raises(ValueError, match=match):
        from_curves(values, steps, kind="loss", loss_kind="ce")


def _long_table():
    rows = [(seed, step, skill, 0.7 * np.exp(-step / (10 * (k + 1))))
            for seed in (0, 1) for step in STEPS for k, skill in enumerate(("add", "mul"))]
    return pd.DataFrame(rows, columns=["seed", "step", "skill", "loss"])


def test_long_and_wide_tables_give_the_same_trajectory(tmp_path):
    long = _long_table()
    a = read_curves(long, kind="loss", loss_kind="ce", skill="skill", value="loss", run="seed",
                    p={"add": 0.6, "mul": 0.4})
    wide = long.pivot(index=["seed", "step"], columns="skill", values="loss").reset_index()
    wide.columns.name = None
    path = tmp_path / "run.csv"
    wide.to_csv(path, index=False)
    b = read_curves(path, kind="loss", loss_kind="ce", run="seed", p=[0.6, 0.4])
    assert a.skill_level.dims == ("seed", "skill", "t")
    assert list(a.skill_name.values) == ["add", "mul"] and list(b.skill_name.values) == ["add", "mul"]
    np.testing.assert_allclose(a.skill_loss.values, b.skill_loss.values)
    np.testing.assert_allclose(a.p.values, [0.6, 0.4])
    assert str(path) in b.attrs["table"]


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda df: df.drop(index=3), "missing steps"),
        (lambda df: pd.concat([df, df.iloc[[0]]]), "duplicated rows"),
        (lambda df: df.assign(extra=1), "unknown columns \\['extra'\\]"),
        (lambda df: df.assign(loss=np.where(df.index == 5, -1.0, df["loss"])), "column 'loss'"),
        (lambda df: df.assign(loss=np.where(df["seed"] == 1, np.nan, df["loss"])), "run 1 .* only NaN"),
        (lambda df: df.assign(loss=df["loss"].astype(str).where(df.index != 2, "n/a")), "must be numeric"),
    ],
)
def test_bad_long_tables_named(edit, match):
    with pytest.raises(ValueError, match=match):
        read_curves(edit(_long_table()), kind="loss", loss_kind="ce", skill="skill", value="loss", run="seed")


def test_bad_table_files(tmp_path):
    with pytest.raises(ValueError, match="no table file"):
        read_curves(tmp_path / "missing.csv", kind="loss", loss_kind="ce")
    (tmp_path / "run.txt").write_text("step,a\n0,1\n")
    with pytest.raises(ValueError, match=".csv, .parquet"):
        read_curves(tmp_path / "run.txt", kind="loss", loss_kind="ce")
    wide = pd.DataFrame({"step": [0, 10, 10], "a": [0.5, 0.4, 0.3]})
    with pytest.raises(ValueError, match="duplicated steps"):
        read_curves(wide, kind="loss", loss_kind="ce")


def test_make_trajectory_points_logged_curves_to_from_curves():
    with pytest.raises(ValueError, match="from_curves"):
        sk.make_trajectory(STEPS, None, skill_loss=np.ones((2, 4)))
