"""Frequencies, the trajectory format, learning-time extraction and optimizer presets."""

import jax.numpy as jnp
import numpy as np
import optax
import pytest

import skillode as sk


def test_zipf_and_exponential():
    p = sk.zipf(4, 1.0)
    np.testing.assert_allclose(p, np.array([1, 1 / 2, 1 / 3, 1 / 4]) / (25 / 12))
    np.testing.assert_allclose(sk.zipf(3, 0.0), 1 / 3)
    q = sk.exponential(5, 3.0)
    np.testing.assert_allclose(q[:-1] / q[1:], 3.0)
    assert q.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: sk.zipf(0), "n"),
        (lambda: sk.zipf(3, -1.0), "alpha"),
        (lambda: sk.zipf(3, np.nan), "alpha"),
        (lambda: sk.exponential(3, 0.0), "base"),
        (lambda: sk.as_frequencies([0.5, 0.6]), "sum to 1"),
        (lambda: sk.as_frequencies([[0.5, 0.5]]), "1-D"),
        (lambda: sk.as_frequencies([1.0, 0.0], normalized=False), "> 0"),
    ],
)
def test_frequency_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_unnormalised_frequencies_are_kept_as_given():
    np.testing.assert_array_equal(sk.as_frequencies([0.3, 1.0, 3.0], normalized=False), [0.3, 1.0, 3.0])


def _toy(sweep=False):
    t = np.array([0.0, 10.0, 20.0, 30.0])
    s = np.array([[0.0, 0.5, 1.0, 1.0], [0.0, 0.0, 0.2, 0.6]])
    if sweep:
        return sk.make_trajectory(t, np.stack([s, s * 0.5]), sweep={"N0": [0.1, 1.0]}, p=[0.7, 0.3])
    return sk.make_trajectory(t, s, skill_loss=(1 - s) ** 2, p=[0.7, 0.3], attrs={"C": np.eye(2), "ok": True})


def test_learning_times_interpolate_and_censor():
    lt = sk.learning_times(_toy(), 0.75)
    np.testing.assert_allclose(lt.values, [15.0, np.nan])
    assert lt.learned.values.tolist() == [True, False]
    assert sk.learning_times(_toy(), 0.75, interpolate=False).values[0] == 20.0
    # on the loss (1 - s)^2, interpolated linearly in the loss: 0.64 -> 0.16 between t = 20 and 30
    np.testing.assert_allclose(sk.learning_times(_toy(), 0.25, on="loss").values, [10.0, 20 + 10 * 0.39 / 0.48])


def test_learning_times_over_sweep_axes():
    lt = sk.learning_times(_toy(sweep=True), 0.5)
    assert lt.dims == ("N0", "skill")
    np.testing.assert_allclose(lt.values, [[10.0, 27.5], [20.0, np.nan]])


def test_learning_time_errors():
    with pytest.raises(ValueError, match="open interval"):
        sk.learning_times(_toy(), 1.0)
    with pytest.raises(ValueError, match="on must be"):
        sk.learning_times(_toy(), 0.5, on="accuracy")
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


def test_signgd_preset_is_the_papers_adam_zero_betas():
    opt = sk.make_optimizer("signgd", 0.1)
    g = jnp.array([2.0, -3e-9, 0.0])
    updates, _ = opt.update(g, opt.init(g))
    np.testing.assert_allclose(updates, -0.1 * g / (jnp.abs(g) + 1e-8), rtol=1e-12)
    exact = sk.make_optimizer("sign", 0.1)
    np.testing.assert_allclose(exact.update(g, exact.init(g))[0], -0.1 * jnp.sign(g))


def test_optimizer_presets_use_the_papers_defaults():
    g = jnp.array([1.0, -2.0])
    lion = sk.make_optimizer("lion", 0.1)
    reference = optax.lion(0.1, b1=0.9, b2=0.99, weight_decay=0.0)
    np.testing.assert_allclose(lion.update(g, lion.init(g), g)[0], reference.update(g, reference.init(g), g)[0])
    with pytest.raises(ValueError, match="optimizer must be one of"):
        sk.make_optimizer("adagrad", 0.1)
    with pytest.raises(ValueError, match="learning_rate"):
        sk.make_optimizer("adam", -1.0)
