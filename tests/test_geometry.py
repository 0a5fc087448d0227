"""Tests of the Geometry model against closed forms, by seed, by shape, and vmap against a loop.

Tests marked ``standard_dtype_promotion`` run optax's Adam family, whose bias correction strict promotion rejects."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from skillode import zipf
from skillode.geometry import GeometryModel, correlation_matrix, simulate, simulate_many, task_vectors

KEY = jax.random.key(0)


# --- task vectors ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["orthonormal", "random_unit", "gaussian", "one_hot"])
def test_task_vector_shapes_and_determinism(kind):
    T = task_vectors(KEY, 5, 40, kind)
    assert T.shape == (5, 40) and T.dtype == jnp.float64
    np.testing.assert_array_equal(T, task_vectors(KEY, 5, 40, kind))
    if kind != "one_hot":
        assert not np.allclose(T, task_vectors(jax.random.key(1), 5, 40, kind))


def test_task_vector_ensembles():
    np.testing.assert_allclose(correlation_matrix(task_vectors(KEY, 30, 50, "orthonormal")), np.eye(30), atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(task_vectors(KEY, 80, 10, "random_unit"), axis=1), 1.0, rtol=1e-12)
    g = np.asarray(task_vectors(KEY, 200, 400, "gaussian"))
    assert abs(g.var() * 400 - 1.0) < 0.02 and abs(g.mean()) < 0.01
    oh = np.asarray(task_vectors(KEY, 6, 4, "one_hot"))
    np.testing.assert_array_equal(oh[:4], np.eye(4))
    np.testing.assert_array_equal(oh[4:], 0.0)


def test_orthonormal_rows_are_haar():
    # For Haar-random rows, E[t_1k^2] = 1/N for every coordinate and the sign of t_11 is symmetric.
    first = np.stack([np.asarray(task_vectors(jax.random.key(s), 2, 3, "orthonormal"))[0] for s in range(400)])
    np.testing.assert_allclose((first**2).mean(axis=0), 1 / 3, atol=0.05)
    assert abs(np.mean(first[:, 0] > 0) - 0.5) < 0.1


@pytest.mark.parametrize(
    "args, match",
    [((5, 4, "orthonormal"), "n <= N"), ((2, 3, "haar"), "kind"), ((0, 3, "gaussian"), "n"), ((2, 0, "gaussian"), "N")],
)
def test_task_vector_errors(args, match):
    with pytest.raises(ValueError, match=match):
        task_vectors(KEY, *args)


# --- closed forms ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gradient, factor", [("mimicked", 1.0), ("autograd", 2.0)])
def test_exact_sgd_decays_geometrically(gradient, factor):
    # Orthonormal tasks, exact expected gradient: Δs_i = factor * eta * p_i (1 - s_i), so 1 - s_i = (1 - f eta p_i)^t.
    p, eta = zipf(4, 1.0), 0.3
    model = GeometryModel.sample(KEY, p=p, N=20, gradient=gradient)
    ds = simulate(model, "sgd", 40, learning_rate=eta, key=KEY, record_every=2)
    t = ds.t.values
    expected = (1 - factor * eta * p[:, None]) ** t[None, :]
    np.testing.assert_allclose(1 - ds.skill_level.values, expected, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(ds.loss.values, p @ expected**2, rtol=1e-9)


@pytest.mark.standard_dtype_promotion
@pytest.mark.parametrize("optimizer", ["sign", "signgd"])
def test_single_skill_signgd_ramps_linearly(optimizer):
    # One task: sign descent moves every coordinate by eta toward t, so s grows by eta * sum_k |t_k| per step.
    T = task_vectors(KEY, 1, 200, "random_unit")
    eta = 1e-4
    rate = eta * float(jnp.abs(T).sum())
    model = GeometryModel(p=[1.0], T=T)
    ds = simulate(model, optimizer, 50, learning_rate=eta, key=KEY)
    np.testing.assert_allclose(ds.skill_level.values[0], rate * ds.t.values, rtol=1e-6)
    # Every coordinate pushes the only skill forward.
    np.testing.assert_array_equal(ds.n_aligned.values[0, 1:], 200)


def test_ce_exact_sgd_matches_scalar_recursion():
    # One-hot tasks decouple: z_i <- z_i + eta p_i sigmoid(-z_i); tasks beyond N stay at s = 1/2.
    p, eta, N = zipf(5, 1.0), 0.5, 3
    model = GeometryModel(p=p, T=task_vectors(KEY, 5, N, "one_hot"), loss_kind="ce")
    ds = simulate(model, "sgd", 30, learning_rate=eta, key=KEY)
    z = np.zeros(5)
    for step in range(1, 31):
        z[:N] += eta * p[:N] / (1 + np.exp(z[:N]))
        np.testing.assert_allclose(ds.skill_level.values[:, step], 1 / (1 + np.exp(-z)), rtol=1e-12)
    np.testing.assert_allclose(ds.skill_loss.values[N:, -1], np.log(2.0))


def test_batch_weights_are_multinomial():
    p = np.array([0.5, 0.3, 0.2])
    model = GeometryModel(p=p, T=jnp.eye(3), batch_size=64)
    w = jax.vmap(lambda k: model.task_weights(k, jnp.float64))(jax.random.split(KEY, 4000))
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    np.testing.assert_allclose(w.mean(axis=0), p, atol=0.005)
    # Multinomial variance of c_i / B is p_i (1 - p_i) / B.
    np.testing.assert_allclose(w.var(axis=0), p * (1 - p) / 64, rtol=0.1)


def test_noise_scrambles_alignment():
    # Noise far above the gradient sets update signs at random: about N/2 coordinates align with each skill.
    model = GeometryModel.sample(KEY, p=[0.5, 0.5], N=2000, noise=10.0)
    ds = simulate(model, "sgd", 20, learning_rate=1e-4, key=KEY)
    assert np.all(np.abs(ds.n_aligned.values[:, 1:] - 1000) < 5 * np.sqrt(500))


# --- determinism, chunking, dtype, vmap --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def noisy_model():
    return GeometryModel.sample(jax.random.key(3), p=zipf(4, 2.0), N=50, batch_size=16, noise=0.01)


@pytest.mark.standard_dtype_promotion
def test_determinism_and_chunk_invariance(noisy_model):
    run = lambda key, chunk: simulate(noisy_model, "adam", 60, learning_rate=1e-2, key=key, record_every=3, chunk=chunk)
    a, b, c = run(KEY, None), run(KEY, 7), run(jax.random.key(1), None)
    np.testing.assert_array_equal(a.skill_level.values, b.skill_level.values)
    np.testing.assert_array_equal(a.n_aligned.values[:, 1:], b.n_aligned.values[:, 1:])
    assert not np.allclose(a.skill_level.values, c.skill_level.values)


@pytest.mark.standard_dtype_promotion
def test_dataset_format(noisy_model):
    ds = simulate(noisy_model, "signgd", 30, learning_rate=3e-3, key=KEY, record_every=5, attrs={"tag": "x"})
    assert ds.skill_level.dims == ("skill", "t") and ds.skill_level.shape == (4, 7)
    np.testing.assert_array_equal(ds.t.values, np.arange(0, 31, 5))
    np.testing.assert_array_equal(ds.skill.values, [1, 2, 3, 4])
    np.testing.assert_allclose(ds.p.values, zipf(4, 2.0))
    np.testing.assert_allclose(ds.loss.values, (ds.p * ds.skill_loss).sum("skill").values)
    np.testing.assert_allclose(ds.skill_loss.values, (1 - ds.skill_level.values) ** 2)
    assert np.isnan(ds.n_aligned.values[:, 0]).all()
    assert ds.attrs["optimizer"] == "signgd" and ds.attrs["N"] == 50 and ds.attrs["batch_size"] == 16
    assert ds.attrs["tag"] == "x" and ds.attrs["noise"] == pytest.approx(0.01)


@pytest.mark.standard_dtype_promotion
def test_float32_close_to_float64(noisy_model):
    # Exact gradient, no noise: the two precisions follow the same path (random draws differ between dtypes).
    model = GeometryModel(p=noisy_model.p, T=noisy_model.T, loss_kind="ce")
    kw = dict(learning_rate=1e-2, key=KEY, record_every=10)
    a = simulate(model, "adam", 50, **kw)
    b = simulate(model, "adam", 50, dtype=jnp.float32, **kw)
    assert b.attrs["dtype"] == "float32"
    np.testing.assert_allclose(a.skill_level.values, b.skill_level.values, atol=1e-4)


@pytest.mark.standard_dtype_promotion
def test_vmap_equals_loop(noisy_model):
    sigmas = [0.0, 0.05]
    models = [GeometryModel(p=noisy_model.p, T=noisy_model.T, batch_size=16, noise=s) for s in sigmas]
    kw = dict(learning_rate=3e-3, record_every=5)
    many = simulate_many(models, "signgd", 40, seeds=[4, 9], sweep={"noise": sigmas}, chunk=3, **kw)
    assert many.skill_level.dims == ("noise", "seed", "skill", "t") and many.skill_level.shape == (2, 2, 4, 9)
    for i, m in enumerate(models):
        for j, seed in enumerate([4, 9]):
            one = simulate(m, "signgd", 40, key=jax.random.key(seed), **kw)
            sel = many.isel(noise=i, seed=j)
            np.testing.assert_allclose(sel.skill_level.values, one.skill_level.values, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(sel.loss.values, one.loss.values, rtol=1e-12)
            np.testing.assert_allclose(sel.n_aligned.values[:, 1:], one.n_aligned.values[:, 1:])
    single = simulate_many(models[0], "signgd", 40, seeds=[4], **kw)
    np.testing.assert_allclose(single.skill_level.values[0], many.skill_level.values[0, 0])


def test_vmap_over_frequencies():
    T = task_vectors(KEY, 3, 20, "random_unit")
    ps = [zipf(3, 1.0), zipf(3, 2.0)]
    models = [GeometryModel(p=p, T=T, loss_kind="ce") for p in ps]
    many = simulate_many(models, "sgd", 10, learning_rate=0.1, seeds=[0], sweep={"alpha": [1.0, 2.0]})
    for i, m in enumerate(models):
        one = simulate(m, "sgd", 10, learning_rate=0.1, key=jax.random.key(0))
        np.testing.assert_allclose(many.loss.values[i, 0], one.loss.values, rtol=1e-12)


# --- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(loss_kind="l1"), "loss_kind"),
        (dict(gradient="numeric"), "gradient"),
        (dict(loss_kind="ce", gradient="mimicked"), "mimicked"),
        (dict(batch_size=0), "batch_size"),
        (dict(batch_size=2.5), "batch_size"),
        (dict(noise=-1.0), "noise"),
        (dict(noise=[0.1, 0.2]), "noise"),
        (dict(T=jnp.ones((3, 4))), "T"),
        (dict(T=jnp.full((2, 4), jnp.nan)), "T"),
        (dict(p=[0.5, 0.6]), "p"),
        (dict(p=[1.5, -0.5]), "p"),
    ],
)
def test_model_errors(kwargs, match):
    base = dict(p=[0.5, 0.5], T=jnp.ones((2, 4)))
    with pytest.raises(ValueError, match=match):
        GeometryModel(**{**base, **kwargs})


def test_simulate_errors():
    model = GeometryModel(p=[1.0], T=jnp.ones((1, 3)))
    with pytest.raises(ValueError, match="multiple of record_every"):
        simulate(model, "sgd", 10, learning_rate=0.1, key=KEY, record_every=3)
    with pytest.raises(ValueError, match=r"key must be a JAX PRNG key, e\.g\. jax\.random\.key\(0\)"):
        simulate(model, "sgd", 10, learning_rate=0.1, key=0)  # integer seeds are refused everywhere, by name
    with pytest.raises(ValueError, match="learning_rate"):
        simulate(model, "sgd", 10, key=KEY)
    with pytest.raises(ValueError, match="optimizer"):
        simulate(model, "nesterov", 10, learning_rate=0.1, key=KEY)
    with pytest.raises(ValueError, match="steps"):
        simulate(model, "sgd", 0, learning_rate=0.1, key=KEY)
    with pytest.raises(ValueError, match="chunk"):
        simulate(model, "sgd", 10, learning_rate=0.1, key=KEY, chunk=0)
    with pytest.raises(ValueError, match="3 points"):
        simulate_many([model, model], "sgd", 10, learning_rate=0.1, seeds=[0], sweep={"x": [1, 2, 3]})
    with pytest.raises(ValueError, match="static"):
        other = GeometryModel(p=[1.0], T=jnp.ones((1, 3)), batch_size=4)
        simulate_many([model, other], "sgd", 10, learning_rate=0.1, seeds=[0], sweep={"x": [1, 2]})
    with pytest.raises(ValueError, match="seeds"):
        simulate_many(model, "sgd", 10, learning_rate=0.1, seeds=[])
    with pytest.raises(ValueError, match="correlation|shape"):
        correlation_matrix(jnp.ones(3))


# --- an example end to end ---------------------------------------------------------------------------------------


def test_fig12_example_quick(tmp_path):
    # The cheapest reproduction (a few seconds): it exits non-zero if a qualitative claim of the paper fails.
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "examples" / "fig12_quadratic.py"
    proc = subprocess.run([sys.executable, str(script), "--quick", "--out", str(tmp_path)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "fig12_quadratic.png").exists() and (tmp_path / "fig12_quadratic.json").exists()


@pytest.mark.standard_dtype_promotion
def test_simulate_method_is_the_function():
    model = GeometryModel.sample(jax.random.key(0), p=zipf(3, 2.0), N=20, batch_size=16)
    a = model.simulate("signgd", 20, key=jax.random.key(1), learning_rate=1e-2, record_every=5)
    b = simulate(model, "signgd", 20, key=jax.random.key(1), learning_rate=1e-2, record_every=5)
    np.testing.assert_array_equal(a.skill_level.values, b.skill_level.values)
