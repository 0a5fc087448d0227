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


def test_one_crossing_rule_for_trajectories_and_compiled_runs():
    """`Threshold.reached` decides: on NumPy, under jit (the in-run tracker) and in `first_crossing`."""
    import jax
    import jax.numpy as jnp

    th = sk.Threshold(0.5)
    v = np.array([[0.1, 0.5, 0.4, 0.9], [0.1, 0.2, np.nan, 0.3]])
    np.testing.assert_array_equal(th.reached(v), v >= 0.5)
    np.testing.assert_array_equal(jax.jit(lambda x: th.reached(x))(jnp.asarray(v, jnp.float32)), v >= 0.5)
    loss = sk.Threshold(0.25, on="loss")
    np.testing.assert_array_equal(loss.reached(v), v <= 0.25)
    t = np.array([0.0, 10.0, 20.0, 30.0])
    np.testing.assert_allclose(sk.first_crossing(v, t, th), [10.0, np.nan])
    np.testing.assert_allclose(sk.first_crossing(v, t, loss.step_exact()), [0.0, 0.0])
    # a number level: the same rule (kept for scripts): rising= / interpolate= build the Threshold
    np.testing.assert_allclose(sk.first_crossing(v, t, 0.5), [10.0, np.nan])
    np.testing.assert_allclose(sk.first_crossing(1.0 - v, t, 0.5, rising=False, interpolate=False), [10.0, np.nan])
    with pytest.raises(ValueError, match="a Threshold carries its own"):
        sk.first_crossing(v, t, th, interpolate=False)


def test_time_grid_is_the_one_rule():
    from skillode.solvers import Diffrax, DiscreteMap, Exact
    from skillode.timing import time_grid

    np.testing.assert_array_equal(time_grid(DiscreteMap(), 7.2), np.arange(0.0, 9.0))
    assert time_grid(Exact(), 50.0).size == 4001 and time_grid(None, 50.0)[-1] == 50.0
    np.testing.assert_array_equal(time_grid(Diffrax(), 1.0, num=3), [0.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="t_max must be finite"):
        time_grid(Exact(), 0.0)
    with pytest.raises(ValueError, match="AbstractSolver"):
        time_grid("discrete", 1.0)
    # the model, the Resource sweep and the command line solve on it: same times, to the bit
    model = sk.ResourceModel(p=sk.zipf(3), eta=0.05, N0=0.01)
    one = model.learning_times(0.9, solver="discrete", t_max=150.0)
    grid = sk.Sweep(axes={"N0": [0.01, 0.02]}, n=3, eta=0.05).learning_times(0.9, method="discrete", t_max=150.0)
    np.testing.assert_array_equal(grid.sel(N0=0.01).values, one.values)
    assert grid.learned.dims == grid.dims


def test_threshold_attrs_one_spelling_round_trip():
    for th in (sk.Threshold(0.8), sk.Threshold(0.02, on="loss", interpolate=False)):
        back = sk.Threshold.from_attrs(th.attrs())
        assert (float(back.level), back.on, back.interpolate) == (float(th.level), th.on, th.interpolate)
    assert set(sk.learning_times(_toy(), 0.75).attrs) == {"threshold", "on", "interpolate", "units"}
    assert sk.Threshold.from_attrs({"n": 3}) is None
    legacy = sk.Threshold.from_attrs({"threshold": 0.01, "threshold_on": "loss"})  # stores written before
    assert legacy.on == "loss" and float(legacy.level) == 0.01


def test_learning_times_dispatch_and_no_import_cycle():
    """`learning_times` dispatches on its source's type; models register themselves (skillode._model imports
    skillode.timing, never the reverse), so the package's import graph, lazy imports included, has no cycle."""
    import ast
    from pathlib import Path

    with pytest.raises(ValueError, match="trajectory Dataset or a skill model, got list"):
        sk.learning_times([0.1, 0.9], 0.5)
    root = Path(sk.__file__).parent
    modules = {".".join(f.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__"): f
               for f in root.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = ".".join(here[: len(here) - node.level + 1] + ([node.module] if node.module else []))
                deps |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                deps |= set(names)
        graph[name] = {d for d in deps if d in modules and d != name}
    assert "skillode._model" not in graph["skillode.timing"] and "skillode.timing" in graph["skillode._model"]

    state = {}  # depth-first search: 1 on the stack, 2 done

    def visit(v, path):
        state[v] = 1
        for w in sorted(graph[v]):
            assert state.get(w) != 1, f"import cycle: {' -> '.join([*path, v, w])}"
            if w not in state:
                visit(w, [*path, v])
        state[v] = 2

    for v in sorted(graph):
        if v not in state:
            visit(v, [])
