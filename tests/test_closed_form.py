"""skillode.closed_form: the JAX closed forms against independent ODE integration, the lowered SymPy
expressions, the paper's numbers, and each other (chunked learning times vs the plain O(n^2) sum)."""

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special
import sympy
from scipy.integrate import solve_ivp

import skillode
from skillode.closed_form import (
    ce_learning_times,
    ce_tau_solution,
    collapse,
    domino_learning_times,
    lambertw,
    log_lambertw_exp,
    loss_exponent,
    modular_ce_loss,
    mse_learning_times,
    mse_tau_solution,
)
from skillode.scaling import reference_exponents
from skillode.symbolic import learning_time_expr, resource_symbols, resource_tau_solution_expr, to_jax

ETA_PAPER = skillode.paper.lr_eff(3e-4, 1000)  # the paper's lr_eff = 2 lr sqrt(N) for lr = 3e-4, N = 1000


def mse_ode(p, eta, N0, C=None):
    Cm = np.eye(len(p)) if C is None else np.asarray(C)
    return lambda _, x: -eta * (Cm @ (p * x)) / (p @ x + N0)


def ce_ode(p, eta, N0):
    def f(_, x):
        c = p / (1.0 + np.exp(x))
        return eta * c / (c.sum() + N0)

    return f


def integrate(f, l0, t_eval):
    sol = solve_ivp(f, (0.0, t_eval[-1]), l0, method="DOP853", t_eval=t_eval, rtol=1e-13, atol=1e-15)
    assert sol.success
    return sol.y.T


def test_bad_closed_form_input_is_named():
    p = jnp.array([0.6, 0.4])
    with pytest.raises(ValueError, match="threshold"):
        mse_learning_times(p, 1.0, 0.0, threshold=1.2)
    with pytest.raises(ValueError, match="p"):
        mse_tau_solution(1.0, jnp.array([0.5, -0.1]), 1.0, 0.0)
    with pytest.raises(ValueError, match="eta"):
        ce_tau_solution(1.0, p, 0.0, 0.0)
    with pytest.raises(ValueError, match="N0"):
        ce_learning_times(p, 1.0, -1.0)
    with pytest.raises(ValueError, match="C"):
        mse_tau_solution(1.0, p, 1.0, 0.0, C=jnp.eye(3))
    with pytest.raises(ValueError, match="alpha"):
        loss_exponent("domino", 0.5)
    with pytest.raises(ValueError, match="limit"):
        loss_exponent("serial", 2.0)
    with pytest.raises(ValueError, match="positive semi-definite"):
        mse_tau_solution(1.0, p, 1.0, 0.0, C=jnp.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="symmetric"):
        mse_tau_solution(1.0, p, 1.0, 0.0, C=jnp.array([[1.0, 0.5], [0.0, 1.0]]))


# ------------------------------------------------------------------------------------------ closed forms in JAX
@pytest.mark.parametrize("C", [None, "random", "singular"])
def test_tau_solution_jit_vmap_matches_ode(C):
    p = skillode.zipf(3, 1.5)
    Cm = {None: None, "singular": np.ones((3, 3)),
          "random": np.array([[1.0, 0.3, -0.2], [0.3, 1.0, 0.1], [-0.2, 0.1, 1.0]])}[C]
    taus = jnp.linspace(0.0, 15.0, 16)
    solve = jax.jit(jax.vmap(mse_tau_solution, in_axes=(None, None, None, 0, None, None)))
    N0s = jnp.array([0.0, 0.01, 0.5])
    l, t = solve(taus, p, 0.03, N0s, 1.0, Cm)
    assert l.shape == (3, 16, 3) and t.shape == (3, 16)
    for k, N0 in enumerate(np.asarray(N0s)):
        ref = integrate(mse_ode(p, 0.03, N0, Cm), np.ones(3), np.asarray(t[k]))
        np.testing.assert_allclose(np.asarray(l[k]), ref, atol=1e-8, rtol=0)


def test_learning_time_jit_vmap_matches_ode_events():
    p = skillode.zipf(3, 2.0)
    N0s = jnp.array([0.0, 0.003, 0.1])
    times = jax.jit(jax.vmap(mse_learning_times, in_axes=(None, None, 0, None)))(p, ETA_PAPER, N0s, 0.9)
    for k, N0 in enumerate(np.asarray(N0s)):
        events = [lambda _, x, i=i: x[i] - 0.1 for i in range(3)]
        sol = solve_ivp(mse_ode(p, ETA_PAPER, N0), (0, 1.2 * float(times[k].max())), np.ones(3), method="DOP853",
                        events=events, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(np.asarray(times[k]), [e[0] for e in sol.t_events], rtol=1e-10)


def test_ce_closed_form_jit_vmap_matches_ode():
    p = skillode.zipf(3, 1.0)
    taus = jnp.linspace(0.0, 40.0, 11)
    l, t = jax.jit(jax.vmap(ce_tau_solution, in_axes=(None, None, 0, None, None)))(
        taus, p, jnp.array([0.02, 0.05]), 0.003, 0.0)
    for k, eta in enumerate([0.02, 0.05]):
        ref = integrate(ce_ode(p, eta, 0.003), np.zeros(3), np.asarray(t[k]))
        np.testing.assert_allclose(np.asarray(l[k]), ref, atol=1e-8, rtol=0)
    times = jax.jit(ce_learning_times)(p, 0.05, 0.003, 0.8)
    l_at, _ = ce_tau_solution(jnp.zeros(()), p, 0.05, 0.003)
    np.testing.assert_allclose(np.asarray(l_at), 0.0, atol=1e-15)  # l(0) = l0
    events = [lambda _, x, i=i: x[i] - np.log(4.0) for i in range(3)]
    sol = solve_ivp(ce_ode(p, 0.05, 0.003), (0, 1.2 * float(times.max())), np.zeros(3), method="DOP853",
                    events=events, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(np.asarray(times), [e[0] for e in sol.t_events], rtol=1e-10)


def test_lambertw_matches_scipy_and_is_differentiable():
    x = jnp.concatenate([jnp.array([0.0]), jnp.geomspace(1e-12, 1e250, 60)])
    w = jax.jit(lambertw)(x)
    np.testing.assert_allclose(np.asarray(w), scipy.special.lambertw(np.asarray(x)).real, rtol=1e-13, atol=1e-300)
    # W'(x) = W / (x (1 + W))
    g = jax.vmap(jax.grad(lambertw))(jnp.array([0.5, 1.0, 10.0]))
    wv = lambertw(jnp.array([0.5, 1.0, 10.0]))
    np.testing.assert_allclose(np.asarray(g), np.asarray(wv / (jnp.array([0.5, 1.0, 10.0]) * (1 + wv))), rtol=1e-10)


@pytest.mark.parametrize("loss", ["mse", "ce"])
def test_sympy_closed_forms_lower_to_the_jax_ones(loss):
    n = 3
    s = resource_symbols(n)
    p, eta, N0 = skillode.zipf(n, 1.5), 0.04, 0.02
    l0 = np.ones(n) if loss == "mse" else np.array([0.0, -0.3, 0.4])
    l_expr, t_expr = resource_tau_solution_expr(n, loss_kind=loss)
    f = jax.jit(to_jax([*l_expr, t_expr], [s.tau, *s.p, *s.l0, s.eta, s.N0]))
    taus = jnp.linspace(0.0, 30.0, 7)
    lowered = jax.vmap(lambda tau: jnp.stack(f(tau, *p, *l0, eta, N0)))(taus)
    solve = mse_tau_solution if loss == "mse" else ce_tau_solution
    l, t = solve(taus, p, eta, N0, l0)
    np.testing.assert_allclose(np.asarray(lowered), np.column_stack([l, t]), rtol=1e-12, atol=1e-12)

    threshold = 0.9
    var = s.epsilon if loss == "mse" else s.s_star
    value = 1 - threshold if loss == "mse" else threshold
    times = [float(to_jax(learning_time_expr(n, i, loss_kind=loss), [var, *s.p, *s.l0, s.eta, s.N0])(
        value, *p, *l0, eta, N0)) for i in range(n)]
    closed = mse_learning_times if loss == "mse" else ce_learning_times
    np.testing.assert_allclose(times, np.asarray(closed(p, eta, N0, threshold, l0)), rtol=1e-12)


def test_loss_exponents_equal_the_sympy_ones():
    from skillode.symbolic import loss_exponent_expr

    for limit in ("domino", "parallel"):
        for alpha in (1.5, 2.0, 3.7):
            want = float(loss_exponent_expr(limit).subs(sympy.Symbol("alpha", positive=True), alpha))
            assert loss_exponent(limit, alpha) == pytest.approx(want, rel=1e-15)


# ------------------------------------------------------------------------------------------ the paper's numbers
def test_paper_learning_times_alpha2_n10():
    """The closed form at the paper's default setting gives 104.3, 211.5, ..., 516.7 at s* = 0.9 (eps = 0.1)."""
    t = np.asarray(mse_learning_times(skillode.zipf(10, 2.0), ETA_PAPER, 0.0, threshold=0.9))
    assert np.all(np.diff(t) > 0)
    assert [round(float(v), 1) for v in t[[0, 1, -1]]] == [104.3, 211.5, 516.7]
    assert abs(10 / ETA_PAPER - 527.05) < 0.01  # all ten done at n t0 = n / eta


def test_paper_two_task_ratios_closed_form():
    """Two skills (1.69, 1.89, 2.08 on the discrete map; the Fig. 4 comparison): the closed form (N0 = 0, s* = 0.9)
    gives
    1.69 / 1.87 / 2.06."""
    ratios = []
    for p1 in (0.9, 0.95, 0.99):
        t = np.asarray(mse_learning_times(np.array([p1, 1 - p1]), ETA_PAPER, 0.0, 0.9))
        ratios.append(round(float(t[1] / t[0]), 2))
    assert ratios == [1.69, 1.87, 2.06]


# ------------------------------------------------------------------------------------------ against ResourceModel
def test_closed_form_matches_resource_model_diffrax():
    p, N0, C = skillode.zipf(3, 2.0), 0.003, [[1.0, 0.4, 0.0], [0.4, 1.0, -0.2], [0.0, -0.2, 1.0]]
    l, t = mse_tau_solution(jnp.linspace(0.0, 12.0, 9), p, ETA_PAPER, N0, 1.0, C)
    model = skillode.ResourceModel(p=p, eta=ETA_PAPER, N0=N0, C=C)
    ds = model.solve(np.asarray(t), skillode.Diffrax(rtol=1e-12, atol=1e-14, solver=diffrax.Tsit5()))
    np.testing.assert_allclose(ds["skill_level"].values.T, 1.0 - np.asarray(l), atol=1e-8, rtol=0)


def test_ce_closed_form_matches_resource_model_diffrax():
    p = skillode.zipf(3, 2.0)
    l, t = ce_tau_solution(jnp.linspace(0.0, 20.0, 9), p, 0.05, 0.003)
    model = skillode.ResourceModel(p=p, eta=0.05, N0=0.003, loss_kind="ce")
    ds = model.solve(np.asarray(t), skillode.Diffrax(rtol=1e-12, atol=1e-14, solver=diffrax.Tsit5()))
    np.testing.assert_allclose(ds["skill_level"].values.T, jax.nn.sigmoid(l), atol=1e-8, rtol=0)
    np.testing.assert_allclose(np.asarray(model.learning_times(0.9)), np.asarray(ce_learning_times(p, 0.05, 0.003)),
                               rtol=1e-6)


def test_chunked_learning_times_equal_the_plain_sum(monkeypatch):
    import skillode.closed_form as cf

    p, l0 = skillode.zipf(300, 1.3), np.linspace(1.0, 0.6, 300)
    eps = 0.1
    tau = np.log(l0 / eps) / p
    plain = (np.sum(l0[None, :] * -np.expm1(-p[None, :] * tau[:, None]), axis=1) + 0.01 * tau) / 0.02
    monkeypatch.setattr(cf, "_BLOCK_ENTRIES", 7 * 300)  # blocks of 7 rows: 43 blocks, the last one padded
    chunked = np.asarray(mse_learning_times(p, 0.02, 0.01, 0.9, l0))
    np.testing.assert_allclose(chunked, plain, rtol=1e-13)
    ce_small = np.asarray(ce_learning_times(p[:40] / p[:40].sum(), 0.02, 0.01, 0.9))
    monkeypatch.setattr(cf, "_BLOCK_ENTRIES", 3 * 40)
    np.testing.assert_allclose(np.asarray(ce_learning_times(p[:40] / p[:40].sum(), 0.02, 0.01, 0.9)), ce_small,
                               rtol=1e-14)


def test_learning_times_too_large_for_memory_say_so(monkeypatch):
    import os

    monkeypatch.setattr(os, "sysconf", lambda name: 4096 if name == "SC_PAGE_SIZE" else 1000)  # 4 MB free
    with pytest.raises(MemoryError, match=r"n = 100000 skills need about .* GiB"):
        mse_learning_times(skillode.zipf(100_000, 1.0), 0.02, 0.0)


def test_log_lambertw_exp_against_high_precision():
    import mpmath

    mpmath.mp.dps = 60
    ys = np.concatenate([-np.geomspace(1e3, 1e-6, 12), np.geomspace(1e-6, 1e300, 24)])
    got = np.asarray(log_lambertw_exp(jnp.asarray(ys)))
    for y, l in zip(ys, got):
        y = mpmath.mpf(y)
        x = mpmath.log(y) if y > 1 else y
        for _ in range(100):  # Newton on l + e^l = y in 60 digits
            x = x - (x + mpmath.exp(x) - y) / (1 + mpmath.exp(x))
        assert abs(float((l - x) / x)) < 5e-16, float(y)
    y = jnp.array([-3.0, 0.0, 5.0])
    g = jax.vmap(jax.grad(log_lambertw_exp))(y)
    np.testing.assert_allclose(np.asarray(g), 1.0 / (1.0 + np.exp(np.asarray(log_lambertw_exp(y)))), rtol=1e-14)


def test_domino_and_collapse_and_modular_loss():
    np.testing.assert_allclose(np.asarray(domino_learning_times(3, 100.0, 0.9)), [90.0, 190.0, 290.0])
    p = skillode.zipf(4, 2.0)
    l, _ = mse_tau_solution(jnp.array([0.5, 3.0]), p, 0.1, 0.01)
    np.testing.assert_allclose(np.asarray(collapse(l, p)), np.exp(-np.array([[0.5] * 4, [3.0] * 4])), rtol=1e-14)
    pz = skillode.zipf(50, 1.0)
    assert float(modular_ce_loss(pz, 10)) == pytest.approx(np.log(2) * pz[10:].sum(), rel=1e-14)
    assert float(modular_ce_loss(pz, 60)) == 0.0
    with pytest.raises(ValueError, match="N \\(dimension\\)"):
        modular_ce_loss(pz, 2.5)


def test_modular_ce_loss_reads_the_papers_fig18():
    p = skillode.zipf(1000, 1.0)
    # arXiv:2501.12391 Fig. 18: the modular curves at alpha = 1 read 0.36 at N = 20 and 0.21 at N = 100.
    np.testing.assert_allclose(np.asarray(modular_ce_loss(p, jnp.array([20, 100]))), [0.36, 0.21], atol=0.01)
    assert float(modular_ce_loss(p, 0)) == pytest.approx(np.log(2))
    assert float(modular_ce_loss(p, 5000)) == 0.0


def test_reference_exponents_follow_alpha():
    for alpha in (1.5, 2.0, 3.0):
        ref = reference_exponents(alpha)
        assert ref["quanta_N"] == ref["domino_N"] == ref["domino_S"] == pytest.approx(alpha - 1)
        assert ref["quanta_S"] == pytest.approx(loss_exponent("parallel", alpha))
        assert ref["domino_S"] == pytest.approx(loss_exponent("domino", alpha))
    with pytest.raises(ValueError, match="alpha"):
        reference_exponents(-1.0)
