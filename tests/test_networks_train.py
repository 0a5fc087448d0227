"""Training loop: trajectory format, seed determinism (vmapped or not), self-weighted loss, a tiny Domino run.

Tests marked ``standard_dtype_promotion`` run optax's Adam family, whose bias correction strict promotion rejects."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import skillode as sk
import skillode.networks  # noqa: F401
from skillode.networks import MLP, TwoTaskRegression, domino_parity, mean_loss, self_weighted_loss, train


def test_self_weighted_loss_value_and_gradient_identity():
    theta = jax.random.normal(jax.random.key(0), (3,))
    a = jax.random.normal(jax.random.key(1), (6, 4, 3))
    mask = (jax.random.uniform(jax.random.key(2), (6, 4)) > 0.3).astype(float)

    def entries(th):
        return mask * (a @ th - 0.5) ** 2

    ell = entries(theta)
    np.testing.assert_allclose(self_weighted_loss(ell), jnp.mean(ell**2) / jnp.mean(ell), rtol=1e-12)
    jac = jax.jacfwd(entries)(theta)  # (6, 4, 3)
    expected = jnp.einsum("bk,bkd->d", ell, jac) / ell.size / jnp.mean(ell)
    np.testing.assert_allclose(jax.grad(lambda th: self_weighted_loss(entries(th)))(theta), expected, rtol=1e-10)
    # equal losses: the self-weighted gradient is the plain one
    flat = jnp.full((5, 2), 0.3)
    np.testing.assert_allclose(self_weighted_loss(flat), mean_loss(flat))
    assert float(self_weighted_loss(jnp.zeros((3, 2)))) == 0.0


def _tiny(seed, steps=40, task=None, **kw):
    task = task or TwoTaskRegression(key=jax.random.key(0), n_samples=200, p2=0.05)
    model = partial(MLP, (2, 16, 2), "silu")
    return train(model, task, sk.make_optimizer("adam", 1e-2), steps=steps, seed=seed, log_every=10,
                 progress=False, **kw)


@pytest.mark.standard_dtype_promotion
def test_trajectory_format_and_seed_determinism():
    single = _tiny(3)
    batch = _tiny([5, 3], chunk_steps=20)
    assert single.skill_level.dims == ("skill", "t") and batch.skill_level.dims == ("seed", "skill", "t")
    assert single.t.values.tolist() == [0, 10, 20, 30, 40]
    assert list(single.skill_name.values) == ["task1", "task2"]
    np.testing.assert_allclose(single.p, [0.95, 0.05])
    # a run is reproduced by its seed alone, vmapped with others or not, whatever the chunking
    np.testing.assert_allclose(batch.skill_loss.sel(seed=3), single.skill_loss, rtol=1e-9)
    assert not np.allclose(batch.skill_loss.sel(seed=5), single.skill_loss)
    # the logged loss is the frequency-weighted per-skill loss
    np.testing.assert_allclose(single.loss, (single.p * single.skill_loss).sum("skill"), rtol=1e-12)
    # variance explained: at t=0 ~ a poor fit; it improves for the frequent task
    assert float(single.skill_level.sel(skill=1)[-1]) > float(single.skill_level.sel(skill=1)[0])
    # each seed may draw its own data set; still reproduced by the seed alone
    per_seed = partial(TwoTaskRegression, n_samples=200, p2=0.05)
    batch_own = _tiny([5, 3], task=per_seed)
    np.testing.assert_allclose(batch_own.skill_loss.sel(seed=3), _tiny(3, task=per_seed).skill_loss, rtol=1e-9)
    assert not np.allclose(batch_own.skill_loss.sel(seed=3), single.skill_loss)
    _, model = _tiny(3, return_model=True)
    assert model(jnp.zeros(2)).shape == (2,)


@pytest.mark.standard_dtype_promotion
def test_rare_skill_learned_after_frequent_one_but_not_p1_over_p2_later():
    task = domino_parity(key=jax.random.key(4), p2=0.1, n_samples=2000, dtype=jnp.float32)
    model = partial(MLP, (32, 50, 2), "relu", dtype=jnp.float32)
    ds = train(model, task, sk.make_optimizer("adam", 2e-3), steps=600, seed=[0, 1], log_every=10, progress=False)
    t = sk.learning_times(ds, 0.9)
    assert bool(t.learned.all()), t.values
    t1, t2 = t.sel(skill=1).values, t.sel(skill=2).values
    assert np.all(t2 > t1) and np.all(t2 < 5 * t1), (t1, t2)  # later, but well under p1/p2 = 10 times later
    assert float(ds.accuracy.isel(t=-1).min()) > 0.95


@pytest.mark.standard_dtype_promotion
def test_numbers_do_not_depend_on_the_chunk_size():
    # the engine's chunks are cut at log points; the data-stream key is carried, so any chunking gives one run
    a, b, c = _tiny([3, 5], steps=60), _tiny([3, 5], steps=60, chunk_steps=10), _tiny([3, 5], steps=60, chunk_steps=40)
    for other in (b, c):
        np.testing.assert_array_equal(a.skill_loss.values, other.skill_loss.values)
        np.testing.assert_array_equal(a.accuracy.values, other.accuracy.values)


@pytest.mark.standard_dtype_promotion
def test_block_diagonal_net_keeps_its_masks_through_training():
    task = TwoTaskRegression(key=jax.random.key(0), n_samples=100, p2=0.1)
    make = partial(sk.networks.BlockDiagonalMLP, (2, 8, 2), "silu", n_blocks=2)
    ds, model = train(make, task, sk.make_optimizer("adam", 1e-2), steps=20, seed=[0, 1], log_every=10,
                      progress=False, return_model=True)
    assert ds.skill_loss.dims == ("seed", "skill", "t")
    for layer, mask in zip(model.layers, model.masks):
        assert mask.dtype == bool and mask.shape[0] == 2
        np.testing.assert_array_equal(np.where(np.asarray(mask), 0.0, np.asarray(layer.weight)), 0.0)


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(steps=25), "multiple of log_every"),
        (dict(steps=0), "steps"),
        (dict(seed=[1, 1]), "distinct"),
        (dict(seed=[]), "seed"),
        (dict(seed=-1), "seed"),
        (dict(log_every=0), "log_every"),
        (dict(steps=2.0), "steps"),
        (dict(chunk_steps=15), "chunk_steps"),
    ],
)
def test_bad_arguments(kw, match):
    args = dict(steps=20, seed=0, log_every=10, progress=False) | kw
    task = TwoTaskRegression(key=jax.random.key(0), n_samples=50, p2=0.1)
    with pytest.raises(ValueError, match=match):
        train(partial(MLP, (2, 4, 2)), task, sk.make_optimizer("adam", 1e-3), **args)
    with pytest.raises(ValueError, match="optimizer"):
        train(partial(MLP, (2, 4, 2)), task, "adam", steps=10)
