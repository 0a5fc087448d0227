"""Learning times: one Threshold, one learning_times for models and data; interpolation, censoring, errors."""

import numpy as np
import pytest
from conftest import toy_trajectory as _toy

import skillode as sk


def test_learning_times_interpolate_and_censor():
    lt = sk.learning_times(_toy(), 0.75)
    np.testing.assert_allclose(lt.values, [15.0, np.nan])
    assert lt.learned.values.tolist() == [True, False]
    assert sk.learning_times(_toy(), sk.Threshold(0.75, interpolate=False)).values[0] == 20.0
    # on the loss (1 - s)^2, interpolated linearly in the loss: 0.64 -> 0.16 between t = 20 and 30
    on_loss = sk.learning_times(_toy(), sk.Threshold(0.25, on="loss")).values
    np.testing.assert_allclose(on_loss, [10.0, 20 + 10 * 0.39 / 0.48])


def test_learning_times_over_sweep_axes():
    lt = sk.learning_times(_toy(sweep=True), 0.5)
    assert lt.dims == ("N0", "skill")
    np.testing.assert_allclose(lt.values, [[10.0, 27.5], [20.0, np.nan]])


def test_threshold_validation_names_the_problem():
    with pytest.raises(ValueError, match="open interval"):
        sk.learning_times(_toy(), 1.0)
    with pytest.raises(ValueError, match="needs a per-skill variable 'accuracy'"):
        sk.learning_times(_toy(), sk.Threshold(0.5, on="accuracy"))
    with pytest.raises(ValueError, match="finite loss > 0"):
        sk.Threshold(0.0, on="loss")
    with pytest.raises(ValueError, match="scalar"):
        sk.Threshold(np.array([0.5, 0.6]))
    with pytest.raises(ValueError, match="number or a skillode.Threshold"):
        sk.learning_times(_toy(), "0.9")
    with pytest.raises(ValueError, match="apply to a model"):
        sk.learning_times(_toy(), 0.5, t_max=10.0)


def test_one_definition_for_models_and_data():
    """Closed form, solved model and its trajectory agree for Resource (MSE, CE) and Domino, on level and loss."""
    for model in (
        sk.ResourceModel(p=sk.zipf(4, 1.5), eta=0.02, N0=0.01),
        sk.ResourceModel(p=sk.zipf(4, 1.5), eta=0.02, N0=0.01, loss_kind="ce"),
        sk.DominoModel(n=4, t0=50.0),
    ):
        for threshold in (sk.Threshold(0.9), sk.Threshold(0.05, on="loss")):
            closed = sk.learning_times(model, threshold)
            assert closed.attrs["method"] == "closed_form"
            t_max = 1.2 * float(closed.max())
            ds = model.solve(np.linspace(0.0, t_max, 20001))
            np.testing.assert_allclose(sk.learning_times(ds, threshold).values, closed.values, rtol=2e-4)
            if isinstance(model, sk.ResourceModel):
                numeric = sk.learning_times(model, threshold, solver=sk.Diffrax(), t_max=t_max)
                np.testing.assert_allclose(numeric.values, closed.values, rtol=2e-3)
    # The Domino model's threshold is the same open interval as everyone else's (it used to accept 1.0).
    with pytest.raises(ValueError, match="open interval"):
        sk.DominoModel(n=2, t0=1.0).learning_times(1.0)


def test_discrete_map_times_are_first_steps():
    model = sk.ResourceModel(p=sk.zipf(3), eta=0.05, N0=0.01)
    times = sk.learning_times(model, 0.9, solver="discrete").values
    ds = model.solve(np.arange(0.0, 200.0), "discrete")
    s = ds.skill_level.values
    for i, t in enumerate(times):
        k = int(t)
        assert t == k and s[i, k] >= 0.9 and s[i, k - 1] < 0.9
