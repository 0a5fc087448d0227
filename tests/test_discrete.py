"""The discrete map (`skillode._discrete`) against NumPy references written here, plain loops over steps.

The gated Fig17 cases (arXiv:2501.12391, Fig. 17; the gates are described in docs/paper.md) drive prerequisite deficits
far below the float64 range while the gates ``1 - l^a`` (``a = 1e-3``) are still only half open, so the reference must
not let float64 underflow decide when a deficit is 0: it carries ``ln l`` (float64), and deficits reach 0 only through
the clip (``l + f(l) <= 0``). Where the platform has an 80-bit ``long double`` (exponent range to ``1e-4951``), the
paper's update written in plain deficits, ``l <- max(l - eta C c / (sum_j c_j + N0), 0)``, is a second, independent
reference.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import skillode as sk
from skillode import paper
from skillode._discrete import discrete_log_deficits, discrete_map

TOL = 1e-9
WIDE = np.finfo(np.longdouble).minexp < -16000  # x87 extended precision (not on e.g. arm64 macOS)
needs_wide = pytest.mark.skipif(not WIDE, reason="np.longdouble has no extended exponent range on this platform")

#: First step with skill level >= 0.9 on the fixed map (steps taken; the paper counts from 0, one less).
FIG17_STEPS = {
    1: {"X1": 909, "X2": 2369, "X3": 4037},
    2: {"X3": 1900, "X1": 2467, "X4": 3596, "X2": 3916, "X6": 5600, "X5": 6324, "X7": 8259},
    3: {"X3": 1229, "X4": 2828, "X1": 3532, "X6": 4361, "X7": 5953, "X2": 6113, "X5": 8837},
}


# ---------------------------------------------------------------------------------------------- references
def _gates(model, open_):
    g = np.ones_like(open_)
    for i, kind, pre in model.gates.index_spec():
        terms = open_[list(pre)]
        g[i] = np.prod(terms) if kind in ("and", "chain") else np.max(terms)
    return g


def _log_reference(model, steps):
    """Float64 log-deficits ``lam = ln l`` of the clipped map with ``C = I``, shape ``(steps + 1, n)``.

    ``ln l_i <- ln l_i + ln(1 - eta g_i p_i / D)``, ``D = sum_j g_j p_j l_j + N0``, which is ``l + f(l)`` for
    ``C = I``; ``eta g_i p_i / D >= 1`` means ``l + f(l) <= 0``: the clip, ``ln l_i = -inf``, a gate fully open.
    """
    assert model.C is None and float(model.N0) > 0  # D is then a plain float64 sum; tiny terms vanish next to N0
    p, eta, N0 = np.asarray(model.p), float(model.eta), float(model.N0)
    a = model.gates.a if model.gates is not None else None
    with np.errstate(divide="ignore"):
        lam = np.log(np.asarray(model.l0, dtype=np.float64))
    out = np.empty((steps + 1, lam.size))
    out[0] = lam
    for k in range(steps):
        g = np.ones_like(lam) if a is None else _gates(model, -np.expm1(a * lam))
        D = np.sum(g * p * np.exp(lam)) + N0
        r = eta * g * p / D
        with np.errstate(divide="ignore", invalid="ignore"):
            lam = np.where(r < 1.0, lam + np.log1p(-np.minimum(r, 1.0)), -np.inf)
        out[k + 1] = lam
    return out


def _plain_reference(model, steps, *, dtype=np.float64, clip=True):
    """The paper's update in plain deficits and in ``dtype``, shape ``(steps + 1, n)``:
    ``l <- max(l - eta (C c) / (sum_j c_j + N0), 0)``, ``c = g p u``, gates ``1 - u^a`` (``u = max(l, 0)``)."""
    T = dtype
    p, eta, N0 = np.asarray(model.p).astype(T), T(float(model.eta)), T(float(model.N0))
    C = None if model.C is None else np.asarray(model.C).astype(T)
    l = np.asarray(model.l0).astype(T)
    out = np.empty((steps + 1, l.size), T)
    out[0] = l
    for k in range(steps):
        u = np.maximum(l, T(0))
        g = np.ones_like(l) if model.gates is None else _gates(model, T(1) - u ** T(model.gates.a))
        c = g * p * (u if C is None else l)
        D = np.sum(c) + N0
        R = (c if C is None else C @ c) / D if D > 0 else np.zeros_like(c)
        l = l - eta * R
        l = np.maximum(l, T(0)) if clip else l
        out[k + 1] = l
    return out


@functools.cache
def _fig17(case):
    model, steps = paper.fig17_case(case)
    return model, steps, np.exp(_log_reference(model, steps))


def _learning_steps(model, l, threshold=0.9):
    reached = 1.0 - np.asarray(l) >= threshold
    return {name: int(reached[:, j].argmax()) if reached[:, j].any() else None for j, name in
            enumerate(model.gates.skills)}


# ---------------------------------------------------------------------------------------------- Fig17
@pytest.mark.parametrize("case", [1, 2, 3])
def test_fig17_matches_the_log_reference(case):
    model, steps, ref = _fig17(case)
    l = np.asarray(discrete_map(model, steps, True))
    assert l.shape == (steps + 1, model.n)
    np.testing.assert_allclose(l, ref, rtol=0, atol=TOL)
    assert _learning_steps(model, l) == _learning_steps(model, ref) == FIG17_STEPS[case]


@needs_wide
@pytest.mark.parametrize("case", [1, 2, 3])
def test_fig17_matches_the_plain_update_in_extended_precision(case):
    model, steps, _ = _fig17(case)
    wide = _plain_reference(model, steps, dtype=np.longdouble).astype(np.float64)
    np.testing.assert_allclose(np.asarray(discrete_map(model, steps, True)), wide, rtol=0, atol=TOL)


def test_solver_path_is_the_fixed_map():
    model, steps, ref = _fig17(2)
    ts = np.arange(steps + 1.0)
    np.testing.assert_allclose(np.asarray(model.states(ts, "discrete")).T, ref, rtol=0, atol=TOL)
    some = np.array([0.0, 1.0, 2.0, 6324.0, 8259.0, 12000.0])
    picked = np.asarray(model.states(some, sk.DiscreteMap(clip=True))).T
    np.testing.assert_allclose(picked, ref[some.astype(int)], rtol=0, atol=TOL)


def test_float64_deficits_would_miss_x7():
    """The artefact the log-deficits remove, on the gated case where it shows (Fig17 case 2).

    Carried as plain float64 deficits, the prerequisites of X7 either flush to 0 near 1e-308 (XLA on CPU: the gates
    jump to 1) or stall at subnormal values (NumPy's gradual underflow: ``eta c`` rounds to 0), and X7 is learned
    at the wrong step. The tests above would catch either.
    """
    model, _, ref = _fig17(2)
    steps = 9000
    expected = FIG17_STEPS[2]["X7"]

    def plain(l, _):  # the map as it was: l <- max(l + f(l), 0) in float64 deficits
        new = jnp.maximum(l + model.vector_field(0.0, l), 0.0)
        return new, new

    _, path = jax.lax.scan(plain, model.l0, None, length=steps)
    old = np.concatenate([np.asarray(model.l0)[None], np.asarray(path)])
    numpy64 = _plain_reference(model, steps)
    for l in (old, numpy64):
        assert _learning_steps(model, l)["X7"] != expected
        assert np.abs(l - ref[: steps + 1]).max() > 1e-3
    assert _learning_steps(model, np.asarray(discrete_map(model, steps, True)))["X7"] == expected


def test_identity_C_takes_the_general_path_to_the_same_map():
    model, steps, ref = _fig17(2)
    dense = sk.ResourceModel(p=model.p, eta=model.eta, N0=model.N0, C=np.eye(model.n), gates=model.gates,
                             normalized=False)
    np.testing.assert_allclose(np.asarray(discrete_map(dense, steps, True)), ref, rtol=0, atol=TOL)


@pytest.mark.parametrize("clip", [True, False])
def test_gated_map_with_overlaps(clip):
    rng = np.random.default_rng(3)
    T = rng.normal(size=(4, 3))
    T /= np.linalg.norm(T, axis=1, keepdims=True)
    graph = sk.SkillGraph(("a", "b", "c", "d"), {"c": sk.AND("a", "b"), "d": sk.OR("b", "c")}, a=0.05)
    model = sk.ResourceModel(p=[0.5, 0.3, 0.15, 0.05], eta=0.01, N0=0.01, C=T @ T.T, gates=graph)
    steps = 1500
    l = np.asarray(discrete_map(model, steps, clip))
    np.testing.assert_allclose(l, _plain_reference(model, steps, clip=clip), rtol=0, atol=TOL)
    if WIDE:
        wide = _plain_reference(model, steps, dtype=np.longdouble, clip=clip).astype(np.float64)
        np.testing.assert_allclose(l, wide, rtol=0, atol=TOL)


# ---------------------------------------------------------------------------------------------- ungated
def test_ungated_map_is_unchanged():
    model = sk.ResourceModel(p=sk.zipf(6, 1.5), eta=0.02, N0=0.003)
    steps = 800

    def plain(l, _):
        new = jnp.maximum(l + model.vector_field(0.0, l), 0.0)
        return new, new

    _, path = jax.lax.scan(plain, model.l0, None, length=steps)
    l = np.asarray(discrete_map(model, steps, True))
    np.testing.assert_array_equal(l, np.concatenate([np.asarray(model.l0)[None], np.asarray(path)]))
    np.testing.assert_allclose(l, _plain_reference(model, steps), rtol=0, atol=1e-12)
    logs = np.asarray(discrete_log_deficits(model, steps))
    np.testing.assert_allclose(np.exp(logs), np.exp(_log_reference(model, steps)), rtol=0, atol=1e-12)


def test_zero_steps_and_compiled_once():
    model, _, _ = _fig17(2)
    np.testing.assert_array_equal(np.asarray(discrete_map(model, 0, True)), np.asarray(model.l0)[None])
    discrete_map(model, 50, True)
    size = discrete_map._cached._cache_size()
    other = sk.ResourceModel(p=np.linspace(0.2, 1.4, 7), eta=2e-3, N0=1e-2, gates=model.gates, normalized=False)
    discrete_map(other, 50, True)
    assert discrete_map._cached._cache_size() == size


def test_gradient_through_the_gated_map():
    def final_x3(eta):
        model, _ = paper.fig17_case(1)
        model = sk.ResourceModel(p=model.p, eta=eta, N0=model.N0, gates=model.gates, normalized=False)
        return discrete_map(model, 1500, True)[-1, 2]

    g = float(jax.grad(final_x3)(1e-3))
    fd = float((final_x3(1e-3 + 1e-9) - final_x3(1e-3 - 1e-9)) / 2e-9)
    assert np.isfinite(g) and g < 0
    assert g == pytest.approx(fd, rel=1e-5)


# ---------------------------------------------------------------------------------------------- gates
GRAPH = sk.SkillGraph(("X1", "X2", "X3", "X4", "X5"),
                      {"X3": sk.AND("X1", "X2"), "X4": sk.OR("X1", "X3"), "X5": sk.chain("X4")}, a=1e-3)


def _plain_gates(u, a):
    o = 1.0 - u**a
    return np.array([1.0, 1.0, o[0] * o[1], max(o[0], o[2]), o[3]])


@pytest.mark.parametrize("a", [1e-3, 0.3])
def test_gates_from_log_deficits_match_the_plain_formula(a):
    graph = sk.SkillGraph(GRAPH.skills, dict(GRAPH.gates), a=a)
    rng = np.random.default_rng(0)
    for u in np.exp(rng.uniform(np.log(1e-300), np.log(0.99), size=(20, 5))):
        expected = _plain_gates(u, a)
        np.testing.assert_allclose(np.asarray(graph.gate_values_from_log(jnp.log(u))), expected, rtol=1e-10)
        np.testing.assert_allclose(np.asarray(graph.gate_values(jnp.asarray(u))), expected, rtol=1e-10)


def test_gates_at_zero_and_beyond_the_float64_range():
    u = np.array([0.0, 0.5, 1.0, 0.0, 0.2])
    expected = _plain_gates(u, GRAPH.a)  # NumPy: 0**a == 0, a prerequisite at 0 is fully open
    np.testing.assert_allclose(np.asarray(GRAPH.gate_values(jnp.asarray(u))), expected, rtol=1e-12)
    log_u = jnp.array([-jnp.inf, np.log(0.5), 0.0, -jnp.inf, np.log(0.2)])
    np.testing.assert_allclose(np.asarray(GRAPH.gate_values_from_log(log_u)), expected, rtol=1e-12)
    # 1e-2000 is far below float64, its gate is not: 1 - exp(-a 2000 ln 10)
    deep = GRAPH.gate_values_from_log(jnp.array([-2000 * np.log(10.0), 0.0, 0.0, 0.0, 0.0]))
    assert float(deep[3]) == pytest.approx(-np.expm1(-1e-3 * 2000 * np.log(10.0)), rel=1e-14)
    grad = jax.grad(lambda v: jnp.sum(GRAPH.gate_values(v)))(jnp.asarray(u))
    assert np.all(np.isfinite(np.asarray(grad)))
    grad = jax.grad(lambda v: jnp.sum(GRAPH.gate_values_from_log(v)))(log_u)
    assert np.all(np.isfinite(np.asarray(grad)))
