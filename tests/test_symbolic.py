"""Tests for skillode.symbolic: SymPy systems print, closed forms are right, the JAX lowering jits and vmaps."""

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special
import sympy as sp
from scipy.integrate import solve_ivp

import skillode
from skillode.symbolic import (
    GateSpec,
    ce_learning_time,
    ce_tau_solution,
    domino_equations,
    lambertw,
    learning_time_expr,
    loss_exponent,
    resource_equations,
    resource_learning_time,
    resource_symbols,
    resource_tau_solution,
    resource_tau_solution_expr,
    to_jax,
)

ETA_PAPER = 2 * 3e-4 * np.sqrt(1000)  # lr_eff = 2 eta sqrt(N), eta = 3e-4, N = 1000 (PAPER §4.3)


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


# ------------------------------------------------------------------------------------------ SymPy systems
@pytest.mark.parametrize("loss", ["mse", "ce"])
@pytest.mark.parametrize("C", [None, "symbolic", [[1.0, 0.3], [0.3, 1.0]]])
def test_equations_print_to_latex(loss, C):
    eqs = resource_equations(2, loss=loss, C=C)
    assert len(eqs) == 2
    tex = sp.latex(eqs[0])
    assert r"\frac{d}{d t} l_{1}{\left(t \right)}" in tex
    for piece in (r"\eta", "N_{0}", "p_{1}", "p_{2}"):
        assert piece in tex
    if loss == "ce":
        assert "e^{l_{1}{\\left(t \\right)}}" in tex
    if C == "symbolic":
        assert "C_{12}" in tex


def test_equation_signs_and_tau_time():
    s = resource_symbols(2)
    state = {s.l[0](s.t): sp.Rational(1, 2), s.l[1](s.t): 1}
    mse = resource_equations(2, numeric_p=[sp.Rational(3, 4), sp.Rational(1, 4)], eta=2, N0=0)
    # dl1/dt = -2 * (3/8) / (3/8 + 1/4) = -6/5
    assert mse[0].rhs.subs(state) == sp.Rational(-6, 5)
    ce = resource_equations(2, loss="ce")
    assert ce[0].rhs.subs({s.l[0](s.t): 0, s.l[1](s.t): 0}).subs({s.p[0]: 1, s.p[1]: 1, s.N0: 0}) == s.eta / 2
    tau_eqs = resource_equations(2, time="tau")
    assert len(tau_eqs) == 3
    assert tau_eqs[0].rhs == -s.p[0] * s.l[0](s.tau)
    assert sp.simplify(tau_eqs[2].rhs - (s.p[0] * s.l[0](s.tau) + s.p[1] * s.l[1](s.tau) + s.N0) / s.eta) == 0


def test_gates_enter_numerator_and_denominator():
    s = resource_symbols(3)
    eqs = resource_equations(3, gates={2: ("and", (0, 1), sp.Rational(1, 100)), 1: GateSpec("chain", (0,))})
    l1, l2, l3 = (f(s.t) for f in s.l)
    g2 = 1 - l1**s.a
    g3 = (1 - l1 ** sp.Rational(1, 100)) * (1 - l2 ** sp.Rational(1, 100))
    denom = s.p[0] * l1 + g2 * s.p[1] * l2 + g3 * s.p[2] * l3 + s.N0
    assert sp.simplify(eqs[2].rhs + s.eta * g3 * s.p[2] * l3 / denom) == 0
    assert sp.simplify(eqs[1].rhs + s.eta * g2 * s.p[1] * l2 / denom) == 0
    or_eqs = resource_equations(3, gates={2: {"kind": "or", "prerequisites": [0, 1], "a": 0.5}})
    assert or_eqs[2].rhs.has(sp.Max)
    assert "\\max" in sp.latex(or_eqs[2])


def test_model_equations_match_vector_field():
    model = skillode.ResourceModel(p=skillode.zipf(3), eta=0.05, N0=0.01, C=[[1, 0.2, 0], [0.2, 1, 0.1], [0, 0.1, 1]])
    eqs = model.equations(numeric=True)
    s = resource_symbols(3)
    x = np.array([0.7, 0.4, 0.9])
    got = [float(e.rhs.subs({f(s.t): v for f, v in zip(s.l, x)})) for e in eqs]
    np.testing.assert_allclose(got, np.asarray(model.vector_field(0.0, jnp.asarray(x))), rtol=1e-12)


def test_domino_equations():
    eqs = domino_equations(3)
    t0 = sp.Symbol("t_0", positive=True)
    assert "t_{0}" in sp.latex(eqs[1])
    values = [e.rhs.subs(e.lhs.args[0], sp.Rational(3, 2) * t0) for e in eqs]
    assert values == [1, sp.Rational(1, 2), 0]
    f = jax.jit(to_jax(eqs[2].rhs, [eqs[2].lhs.args[0], t0]))
    np.testing.assert_allclose(jax.vmap(f, (0, None))(jnp.array([0.0, 250.0, 900.0]), 100.0), [0.0, 0.5, 1.0])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n": 0}, "n"),
        ({"n": 2, "loss": "hinge"}, "loss"),
        ({"n": 2, "C": np.eye(3)}, "C"),
        ({"n": 2, "C": "random"}, "C"),
        ({"n": 2, "numeric_p": [0.5, -0.5]}, "numeric_p"),
        ({"n": 2, "eta": -1.0}, "eta"),
        ({"n": 2, "N0": -0.1}, "N0"),
        ({"n": 2, "time": "s"}, "time"),
        ({"n": 2, "loss": "ce", "gates": {1: ("chain", (0,), 0.1)}}, "gates"),
        ({"n": 2, "gates": {1: ("xor", (0,), 0.1)}}, "kind"),
        ({"n": 2, "gates": {1: ("chain", (0, 1), 0.1)}}, "prerequisite"),
        ({"n": 2, "gates": {1: ("and", (1,), 0.1)}}, "prerequisites"),
        ({"n": 2, "gates": {1: ("and", (0,), -1.0)}}, "exponent a"),
        ({"n": 2, "gates": {5: ("and", (0,), 0.1)}}, "gated skill index"),
    ],
)
def test_bad_equation_input_is_named(kwargs, match):
    n = kwargs.pop("n")
    with pytest.raises(ValueError, match=match):
        resource_equations(n, **kwargs)


def test_bad_closed_form_input_is_named():
    p = jnp.array([0.6, 0.4])
    with pytest.raises(ValueError, match="threshold"):
        resource_learning_time(p, 1.0, 0.0, threshold=1.2)
    with pytest.raises(ValueError, match="p"):
        resource_tau_solution(1.0, jnp.array([0.5, -0.1]), 1.0, 0.0)
    with pytest.raises(ValueError, match="eta"):
        ce_tau_solution(1.0, p, 0.0, 0.0)
    with pytest.raises(ValueError, match="N0"):
        ce_learning_time(p, 1.0, -1.0)
    with pytest.raises(ValueError, match="C"):
        resource_tau_solution(1.0, p, 1.0, 0.0, C=jnp.eye(3))
    with pytest.raises(ValueError, match="alpha"):
        loss_exponent("domino", 0.5)
    with pytest.raises(ValueError, match="limit"):
        loss_exponent("serial", 2.0)
    with pytest.raises(ValueError, match="skill index"):
        learning_time_expr(2, 2)


# ------------------------------------------------------------------------------------------ closed forms in JAX
@pytest.mark.parametrize("C", [None, "random", "singular"])
def test_tau_solution_jit_vmap_matches_ode(C):
    p = skillode.zipf(3, 1.5)
    Cm = {None: None, "singular": np.ones((3, 3)),
          "random": np.array([[1.0, 0.3, -0.2], [0.3, 1.0, 0.1], [-0.2, 0.1, 1.0]])}[C]
    taus = jnp.linspace(0.0, 15.0, 16)
    solve = jax.jit(jax.vmap(resource_tau_solution, in_axes=(None, None, None, 0, None, None)))
    N0s = jnp.array([0.0, 0.01, 0.5])
    l, t = solve(taus, p, 0.03, N0s, 1.0, Cm)
    assert l.shape == (3, 16, 3) and t.shape == (3, 16)
    for k, N0 in enumerate(np.asarray(N0s)):
        ref = integrate(mse_ode(p, 0.03, N0, Cm), np.ones(3), np.asarray(t[k]))
        np.testing.assert_allclose(np.asarray(l[k]), ref, atol=1e-8, rtol=0)


def test_learning_time_jit_vmap_matches_ode_events():
    p = skillode.zipf(3, 2.0)
    N0s = jnp.array([0.0, 0.003, 0.1])
    times = jax.jit(jax.vmap(resource_learning_time, in_axes=(None, None, 0, None)))(p, ETA_PAPER, N0s, 0.9)
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
    times = jax.jit(ce_learning_time)(p, 0.05, 0.003, 0.8)
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
    l_expr, t_expr = resource_tau_solution_expr(n, loss=loss)
    f = jax.jit(to_jax([*l_expr, t_expr], [s.tau, *s.p, *s.l0, s.eta, s.N0]))
    taus = jnp.linspace(0.0, 30.0, 7)
    lowered = jax.vmap(lambda tau: jnp.stack(f(tau, *p, *l0, eta, N0)))(taus)
    solve = resource_tau_solution if loss == "mse" else ce_tau_solution
    l, t = solve(taus, p, eta, N0, l0)
    np.testing.assert_allclose(np.asarray(lowered), np.column_stack([l, t]), rtol=1e-12, atol=1e-12)

    threshold = 0.9
    var = s.epsilon if loss == "mse" else s.s_star
    value = 1 - threshold if loss == "mse" else threshold
    times = [float(to_jax(learning_time_expr(n, i, loss=loss), [var, *s.p, *s.l0, s.eta, s.N0])(
        value, *p, *l0, eta, N0)) for i in range(n)]
    closed = resource_learning_time if loss == "mse" else ce_learning_time
    np.testing.assert_allclose(times, np.asarray(closed(p, eta, N0, threshold, l0)), rtol=1e-12)


def test_loss_exponents():
    a = sp.Symbol("alpha", positive=True)
    assert loss_exponent("domino") == a - 1
    assert loss_exponent("parallel", 2.0) == 0.5
    assert loss_exponent("domino", 3.0) == 2.0


# ------------------------------------------------------------------------------------------ the paper's numbers
def test_paper_learning_times_alpha2_n10():
    """PAPER §6.1 item 2: the formula gives 104.3, 211.5, ..., 516.7 — at threshold s* = 0.9 (eps = 0.1)."""
    t = np.asarray(resource_learning_time(skillode.zipf(10, 2.0), ETA_PAPER, 0.0, threshold=0.9))
    assert np.all(np.diff(t) > 0)
    assert [round(float(v), 1) for v in t[[0, 1, -1]]] == [104.3, 211.5, 516.7]
    assert abs(10 / ETA_PAPER - 527.05) < 0.01  # all ten done at n t0 (PAPER §6.1 item 3)


def test_paper_two_task_ratios_closed_form():
    """PAPER §6.1 item 4 (1.69, 1.89, 2.08, discrete map): the closed form, N0 = 0, s* = 0.9, gives 1.69/1.87/2.06."""
    ratios = []
    for p1 in (0.9, 0.95, 0.99):
        t = np.asarray(resource_learning_time(np.array([p1, 1 - p1]), ETA_PAPER, 0.0, 0.9))
        ratios.append(round(float(t[1] / t[0]), 2))
    assert ratios == [1.69, 1.87, 2.06]


# ------------------------------------------------------------------------------------------ against ResourceModel
def test_closed_form_matches_resource_model_diffrax():
    p, N0, C = skillode.zipf(3, 2.0), 0.003, [[1.0, 0.4, 0.0], [0.4, 1.0, -0.2], [0.0, -0.2, 1.0]]
    l, t = resource_tau_solution(jnp.linspace(0.0, 12.0, 9), p, ETA_PAPER, N0, 1.0, C)
    model = skillode.ResourceModel(p=p, eta=ETA_PAPER, N0=N0, C=C)
    ds = model.solve(np.asarray(t), method="diffrax", rtol=1e-12, atol=1e-14, solver=diffrax.Tsit5())
    np.testing.assert_allclose(ds["skill_level"].values.T, 1.0 - np.asarray(l), atol=1e-8, rtol=0)


def test_ce_closed_form_matches_resource_model_diffrax():
    p = skillode.zipf(3, 2.0)
    l, t = ce_tau_solution(jnp.linspace(0.0, 20.0, 9), p, 0.05, 0.003)
    model = skillode.ResourceModel(p=p, eta=0.05, N0=0.003, loss="ce")
    ds = model.solve(np.asarray(t), method="diffrax", rtol=1e-12, atol=1e-14, solver=diffrax.Tsit5())
    np.testing.assert_allclose(ds["skill_level"].values.T, jax.nn.sigmoid(l), atol=1e-8, rtol=0)
    np.testing.assert_allclose(np.asarray(model.learning_times(0.9)), np.asarray(ce_learning_time(p, 0.05, 0.003)),
                               rtol=1e-6)


def test_verify_raises_with_the_claim():
    from skillode.symbolic import verify

    verify(True, "holds")
    with pytest.raises(AssertionError, match="t2/t1 -> 2"):
        verify(False, "t2/t1 -> 2")
