"""Every script in derivations/ runs, checks the shipped closed forms against SymPy, and reports the paper's numbers."""

import importlib.util
from pathlib import Path

import pytest

DERIVATIONS = Path(__file__).resolve().parent.parent / "derivations"
SCRIPTS = ["tau_time_solution", "learning_time", "domino_limit", "curve_collapse", "loss_exponents", "ce_lambert"]
ROUND_OFF = 1e-12  # what each script's shipped-vs-SymPy check allows (verify_lowered's rtol)


def run(name):
    spec = importlib.util.spec_from_file_location(f"derivation_{name}", DERIVATIONS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main()


def worst(shipped_vs_sympy):
    """The largest shipped-vs-SymPy relative difference a script reports (a number or a dict of them)."""
    if isinstance(shipped_vs_sympy, dict):
        return max(v for v in shipped_vs_sympy.values() if isinstance(v, float))
    return shipped_vs_sympy


def test_every_script_is_listed():
    assert sorted(SCRIPTS) == sorted(p.stem for p in DERIVATIONS.glob("*.py"))


@pytest.mark.parametrize("name", SCRIPTS)
def test_derivation_runs_and_passes(name):
    out = run(name)
    assert isinstance(out, dict) and out
    assert worst(out["shipped_vs_sympy"]) < ROUND_OFF
    if name == "tau_time_solution":
        assert set(out["shipped_vs_sympy"]) == {"identity", "coupled_2x2", "singular_2x2"}
        assert max(out["shipped_vs_expm"].values()) < ROUND_OFF
        assert max(out["max_error"].values()) < 1e-8
    elif name == "learning_time":
        assert [round(float(v), 1) for v in out["formula"][[0, 1, -1]]] == [104.3, 211.5, 516.7]
        assert list(out["paper_index"][[0, 1, -1]]) == [103, 211, 516]
        assert max(out["max_gap_steps_by_N0"].values()) < 1.5
        assert out["ode_relative_error"] < 1e-9
    elif name == "domino_limit":
        assert out["all_done_update"] == 527
        assert [round(v, 2) for v in out["t2_over_t1_discrete"].values()] == [1.69, 1.89, 2.08]
        assert [round(v, 3) for v in out["t2_over_t1_closed_form"].values()] == [1.688, 1.874, 2.059]
        assert out["separated_limit"] == ["s^*/eta", "(s^* + 1)/eta", "(s^* + 2)/eta"]
        gaps = list(out["shipped_vs_sympy"]["mse_to_domino_gap_by_r"].values())
        assert all(a > 5 * b for a, b in zip(gaps, gaps[1:]))  # MSE times -> Domino times, linearly in r
    elif name == "curve_collapse":
        assert out["collapsed"] == "exp(-tau)"
        assert max(out["max_relative_spread"].values()) < 1e-8
    elif name == "loss_exponents":
        assert out["exponents"] == {"domino": "alpha - 1", "parallel": "(alpha - 1)/alpha", "tail": "alpha - 1"}
        assert abs(out["fitted"][2.0]["domino"] - 1.0) < 0.03
        assert abs(out["fitted"][2.0]["parallel"] - 0.5) < 0.015
    elif name == "ce_lambert":
        assert "LambertW" in out["dsolve"] and out["trajectory_error"] < 1e-8
        assert out["learning_time_relative_error"] < 1e-9
