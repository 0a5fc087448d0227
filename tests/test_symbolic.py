"""skillode.symbolic: SymPy systems print to LaTeX, carry the paper's structure, reject bad input by name."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import sympy as sp

import skillode
from skillode.symbolic import (
    domino_equations,
    learning_time_expr,
    loss_exponent_expr,
    resource_equations,
    resource_symbols,
    to_jax,
)


# ------------------------------------------------------------------------------------------ SymPy systems
@pytest.mark.parametrize("loss_kind", ["mse", "ce"])
@pytest.mark.parametrize("C", [None, "symbolic", [[1.0, 0.3], [0.3, 1.0]]])
def test_equations_print_to_latex(loss_kind, C):
    eqs = resource_equations(2, loss_kind=loss_kind, C=C)
    assert len(eqs) == 2
    tex = sp.latex(eqs[0])
    assert r"\frac{d}{d t} l_{1}{\left(t \right)}" in tex
    for piece in (r"\eta", "N_{0}", "p_{1}", "p_{2}"):
        assert piece in tex
    if loss_kind == "ce":
        assert "e^{l_{1}{\\left(t \\right)}}" in tex
    if C == "symbolic":
        assert "C_{12}" in tex


def test_equation_signs_and_tau_time():
    s = resource_symbols(2)
    state = {s.l[0](s.t): sp.Rational(1, 2), s.l[1](s.t): 1}
    mse = resource_equations(2, numeric_p=[sp.Rational(3, 4), sp.Rational(1, 4)], eta=2, N0=0)
    # dl1/dt = -2 * (3/8) / (3/8 + 1/4) = -6/5
    assert mse[0].rhs.subs(state) == sp.Rational(-6, 5)
    ce = resource_equations(2, loss_kind="ce")
    assert ce[0].rhs.subs({s.l[0](s.t): 0, s.l[1](s.t): 0}).subs({s.p[0]: 1, s.p[1]: 1, s.N0: 0}) == s.eta / 2
    tau_eqs = resource_equations(2, time="tau")
    assert len(tau_eqs) == 3
    assert tau_eqs[0].rhs == -s.p[0] * s.l[0](s.tau)
    assert sp.simplify(tau_eqs[2].rhs - (s.p[0] * s.l[0](s.tau) + s.p[1] * s.l[1](s.tau) + s.N0) / s.eta) == 0


def test_gates_enter_numerator_and_denominator():
    s = resource_symbols(3)
    graph = skillode.SkillGraph(("a", "b", "c"), {"c": skillode.AND("a", "b"), "b": skillode.chain("a")}, a=0.01)
    eqs = resource_equations(3, gates=graph, gate_exponent="symbolic")
    l1, l2, l3 = (f(s.t) for f in s.l)
    g2 = 1 - l1**s.a
    g3 = (1 - l1**s.a) * (1 - l2**s.a)
    denom = s.p[0] * l1 + g2 * s.p[1] * l2 + g3 * s.p[2] * l3 + s.N0
    assert sp.simplify(eqs[2].rhs + s.eta * g3 * s.p[2] * l3 / denom) == 0
    assert sp.simplify(eqs[1].rhs + s.eta * g2 * s.p[1] * l2 / denom) == 0
    numeric = resource_equations(3, gates=graph)  # the graph's own exponent, a = 1/100
    assert sp.simplify(numeric[2].rhs - eqs[2].rhs.subs(s.a, sp.Rational(1, 100))) == 0
    or_graph = skillode.SkillGraph(("a", "b", "c"), {"c": skillode.OR("a", "b")}, a=0.5)
    or_eqs = resource_equations(3, gates=or_graph)
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
        ({"n": 2, "loss_kind": "hinge"}, "loss_kind"),
        ({"n": 2, "C": np.eye(3)}, "C"),
        ({"n": 2, "C": "random"}, "C"),
        ({"n": 2, "numeric_p": [0.5, -0.5]}, "numeric_p"),
        ({"n": 2, "eta": -1.0}, "eta"),
        ({"n": 2, "N0": -0.1}, "N0"),
        ({"n": 2, "time": "s"}, "time"),
        ({"n": 2, "loss_kind": "ce", "gates": skillode.SkillGraph(("a", "b"), {"b": skillode.chain("a")})}, "gates"),
        ({"n": 3, "gates": skillode.SkillGraph(("a", "b"), {"b": skillode.chain("a")})}, "gates describe"),
        ({"n": 2, "gates": {1: ("and", (0,), 0.1)}}, "SkillGraph"),
        ({"n": 2, "gates": skillode.SkillGraph(("a", "b"), {}), "gate_exponent": -1.0}, "gate_exponent"),
        ({"n": 2, "gates": skillode.SkillGraph(("a", "b"), {}), "gate_exponent": "sym"}, "gate_exponent"),
    ],
)
def test_bad_equation_input_is_named(kwargs, match):
    n = kwargs.pop("n")
    with pytest.raises(ValueError, match=match):
        resource_equations(n, **kwargs)


def test_bad_symbolic_input_is_named():
    with pytest.raises(ValueError, match="skill index"):
        learning_time_expr(2, 2)
    with pytest.raises(ValueError, match="limit"):
        loss_exponent_expr("serial")


def test_loss_exponent_exprs():
    a = sp.Symbol("alpha", positive=True)
    assert loss_exponent_expr("domino") == a - 1
    assert sp.simplify(loss_exponent_expr("parallel") - (1 - 1 / a)) == 0


def test_verify_raises_with_the_claim():
    from skillode.symbolic import verify

    verify(True, "holds")
    with pytest.raises(AssertionError, match="t2/t1 -> 2"):
        verify(False, "t2/t1 -> 2")
