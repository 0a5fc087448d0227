"""Solver objects: validated, immutable, one list shared by model, sweep and CLI; backends agree with each other."""

import dataclasses

import diffrax
import jax
import numpy as np
import pytest

import skillode as sk
from skillode.solvers import SOLVERS, as_solver, default_solver

TS = np.linspace(0.0, 400.0, 9)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: sk.Diffrax(rtol=-1.0), "rtol"),
        (lambda: sk.Diffrax(atol=0.0), "atol"),
        (lambda: sk.Diffrax(max_steps=0), "max_steps"),
        (lambda: sk.Diffrax(solver="kvaerno5"), "diffrax solver"),
        (lambda: sk.Scipy(method="rk4"), "method must be one of"),
        (lambda: sk.Scipy(rtol=np.nan), "rtol"),
        (lambda: sk.DiscreteMap(clip="yes"), "clip"),
        (lambda: as_solver("rk4"), "solver must be"),
        (lambda: as_solver(None), "solver must be"),
    ],
)
def test_bad_solver_settings_name_the_parameter(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_solvers_are_immutable_and_the_names_are_their_defaults():
    with pytest.raises(dataclasses.FrozenInstanceError):
        sk.Diffrax().rtol = 1.0
    for name, cls in SOLVERS.items():
        assert as_solver(name) == cls()
    model = sk.ResourceModel(p=sk.zipf(3), eta=0.02, N0=0.01)
    np.testing.assert_array_equal(model.states(TS, "diffrax"), model.states(TS, sk.Diffrax()))
    np.testing.assert_array_equal(model.states(TS, method="exact"), model.states(TS, sk.Exact()))
    with pytest.raises(ValueError, match="not both"):
        model.states(TS, sk.Exact(), method="exact")


def test_every_backend_agrees_with_exact():
    model = sk.ResourceModel(p=sk.zipf(4, 1.5), eta=0.02, N0=1e-3, C=[[1, 0.2, 0, 0], [0.2, 1, 0, 0], [0, 0, 1, 0.1],
                                                                       [0, 0, 0.1, 1]])
    exact = np.asarray(model.states(TS, sk.Exact()))
    for solver in (sk.Diffrax(), sk.Diffrax(solver=diffrax.Tsit5(), rtol=1e-12, atol=1e-14), sk.Scipy(),
                   sk.Scipy(method="Radau")):
        np.testing.assert_allclose(np.asarray(model.states(TS, solver)), exact, atol=1e-8, err_msg=repr(solver))
    steps = np.arange(0.0, 401.0)
    discrete = np.asarray(model.states(steps, sk.DiscreteMap()))
    assert np.max(np.abs(discrete[:, ::50] - exact)) < 0.02  # the map is another object, close to the ODE


def test_exact_refuses_what_it_cannot_solve_and_says_what_to_use():
    p = [0.6, 0.4]
    for C, reason in (([[1.0, 0.5], [0.0, 1.0]], "symmetric"), ([[1.0, 1.5], [1.5, 1.0]], "positive semi-definite")):
        with pytest.raises(ValueError, match=f"C \\(task-overlap matrix\\) must be {reason}"):  # for every solver
            sk.ResourceModel(p=p, eta=0.1, N0=0.01, C=C)
    cases = [
        (dict(C=[[1.0, 0.2], [0.2, 1.0]], loss_kind="ce"), "C = I"),
        (dict(gates=sk.SkillGraph(("a", "b"), {"b": sk.chain("a")})), "gated"),
    ]
    for kwargs, reason in cases:
        model = sk.ResourceModel(p=p, eta=0.1, N0=0.01, **kwargs)
        with pytest.raises(ValueError, match=f"{reason}.*(Diffrax|DiscreteMap)"):
            model.solve(TS, sk.Exact())
        with pytest.raises(ValueError, match=reason):
            sk.learning_times(model, 0.9, solver=sk.Exact())
        assert default_solver(model) == sk.Diffrax()
        assert sk.learning_times(model, 0.9, t_max=100.0).attrs["method"] == "Diffrax"  # the default solves it


def test_discrete_map_settings():
    ce = sk.ResourceModel(p=[0.6, 0.4], eta=0.1, loss_kind="ce")
    with pytest.raises(ValueError, match="CE logits are never clipped"):
        ce.solve(np.arange(3.0), sk.DiscreteMap(clip=True))
    mse = sk.ResourceModel(p=[0.6, 0.4], eta=0.9, N0=0.0)
    clipped = np.asarray(mse.states(np.arange(5.0), sk.DiscreteMap()))
    free = np.asarray(mse.states(np.arange(5.0), sk.DiscreteMap(clip=False)))
    assert clipped.min() == 0.0 and free.min() < 0.0
    with pytest.raises(ValueError, match="integer steps"):
        mse.solve(np.array([0.0, 0.5]), sk.DiscreteMap())


def test_traceable_solvers_jit_and_vmap_over_models():
    def levels(N0, solver):
        return sk.ResourceModel(p=sk.zipf(3), eta=0.02, N0=N0).skill_levels(TS, solver)

    N0s = np.array([0.0, 0.01, 0.1])
    for solver in (sk.Exact(), sk.Diffrax()):
        batched = jax.jit(jax.vmap(lambda n: levels(n, solver)))(N0s)
        for k, N0 in enumerate(N0s):
            np.testing.assert_allclose(batched[k], levels(N0, solver), atol=1e-10)
    with pytest.raises(ValueError, match="host"):
        jax.jit(lambda n: levels(n, sk.Scipy()))(0.01)
    assert sk.Exact().attrs() == {"solver": "Exact"}
    assert sk.Diffrax().attrs()["solver_solver"] == "Kvaerno5"
