"""skillode — the physics of skill learning as differential equations.

The Geometry, Resource and Domino models of Liu, Liu, Michaud, Gore & Tegmark, *Physics of Skill Learning*
(arXiv:2501.12391, 2025), with exact solutions where they exist, numeric backends checked against them, and
networks trained in JAX compared with the theory through one shared trajectory format.

Importing skillode switches JAX to float64 (``jax_enable_x64``): the ODE work needs it. Code that wants
float32 (large Geometry sweeps, network training) asks for it explicitly with a ``dtype`` argument.

The top-level names are loaded on first use (``sk.ResourceModel`` imports `skillode.resource` then), so that
``import skillode`` and the ``skillode`` command start without importing JAX; every submodule is also reachable
as an attribute (``sk.networks``, ``sk.report``). Submodules not among the top-level names (they pull in heavier
dependencies): `skillode.plotting` (matplotlib), `skillode.networks` (tasks, MLPs, training), `skillode.report`
and `skillode.cli`.
"""

import importlib
import importlib.util
import os
import sys


def _enable_x64() -> None:
    """Float64 in JAX for every way into skillode: ``import skillode``, ``import skillode.resource``, ...

    Every submodule import runs this package's ``__init__`` first. If JAX is already imported, switch its flag;
    otherwise set ``JAX_ENABLE_X64``, which JAX reads when it is imported (by a skillode module or by the user).
    """
    jax = sys.modules.get("jax")
    if jax is not None and hasattr(jax, "config"):
        jax.config.update("jax_enable_x64", True)
    else:
        os.environ["JAX_ENABLE_X64"] = "1"


_enable_x64()

#: the submodules that are top-level names themselves (``sk.paper``, ``sk.sweeps``, ...)
_SUBMODULES = ("closed_form", "distributed", "fit", "frequencies", "geometry", "optimizers", "paper", "scaling",
               "solvers", "sweeps", "symbolic", "timing", "trajectory")

#: the top-level names, by the submodule that defines them; a new public name is one more entry here
_NAMES = {
    "_model": ("AbstractSkillModel", "AbstractTimeModel"),
    "dependencies": ("AND", "OR", "Gate", "SkillGraph", "chain"),
    "domino": ("DominoModel",),
    "curves": ("from_curves", "read_curves"),
    "fit": ("ResourceFit", "fit_resource"),
    "forecasting": ("forecast",),
    "frequencies": ("as_frequencies", "exponential", "zipf"),
    "geometry": ("GeometryModel", "correlation_matrix", "simulate", "simulate_many", "task_vectors"),
    "optimizers": ("make_optimizer", "signgd"),
    "resource": ("ResourceModel",),
    "scaling": ("ChinchillaFit", "PowerLawFit", "fit_chinchilla", "fit_power_law"),
    "solvers": ("AbstractSolver", "Diffrax", "DiscreteMap", "Exact", "Scipy"),
    "sweeps": ("GeometrySweep", "Study", "Sweep", "run_sweep", "sweep_learning_times"),
    "symbolic": ("domino_equations", "resource_equations", "to_jax"),
    "timing": ("Threshold", "first_crossing", "learning_times"),
    "trajectory": ("load", "make_trajectory", "save", "validate_trajectory"),
}

_WHERE = {name: module for module, names in _NAMES.items() for name in names}

__all__ = sorted([*_SUBMODULES, *_WHERE], key=str.lower)


def __getattr__(name: str):
    """Load a top-level name, a submodule or ``__version__`` on first use (PEP 562) and keep it."""
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    elif name == "__version__":
        from importlib import metadata

        try:
            value = metadata.version("skillode")
        except metadata.PackageNotFoundError:  # running from a source tree that is not installed
            value = "0+unknown"
    elif not name.startswith("__") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, "__version__"})
