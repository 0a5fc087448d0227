"""Every script in derivations/ runs, verifies its result, and reports the numbers the paper quotes."""

import importlib.util
from pathlib import Path

import pytest

DERIVATIONS = Path(__file__).resolve().parent.parent / "derivations"
SCRIPTS = ["tau_time_solution", "learning_time", "domino_limit", "curve_collapse", "loss_exponents", "ce_lambert"]


def run(name):
    spec = importlib.util.spec_from_file_location(f"derivation_{name}", DERIVATIONS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main()


def test_every_script_is_listed():
    assert sorted(SCRIPTS) == sorted(p.stem for p in DERIVATIONS.glob("*.py"))


@pytest.mark.parametrize("name", SCRIPTS)
def test_derivation_runs_and_passes(name):
    out = run(name)
    assert isinstance(out, dict) and out
    if name == "tau_time_solution":
        assert max(out["max_error"].values()) < 1e-8
    elif name == "learning_time":
        assert [round(float(v), 1) for v in out["formula"][[0, 1, -1]]] == [104.3, 211.5, 516.7]
        assert list(out["paper_index"][[0, 1, -1]]) == [103, 211, 516]
    elif name == "domino_limit":
        assert out["all_done_update"] == 527
        assert [round(v, 2) for v in out["t2_over_t1_discrete"].values()] == [1.69, 1.89, 2.08]
    elif name == "curve_collapse":
        assert max(out["max_relative_spread"].values()) < 1e-8
    elif name == "loss_exponents":
        assert out["exponents"] == {"domino": "alpha - 1", "parallel": "(alpha - 1)/alpha"}
        assert abs(out["fitted"][2.0]["domino"] - 1.0) < 0.03
    elif name == "ce_lambert":
        assert "LambertW" in out["dsolve"] and out["trajectory_error"] < 1e-8
