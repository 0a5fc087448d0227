"""skillode — the physics of skill learning as differential equations.

The Geometry, Resource and Domino models of Liu, Liu, Michaud, Gore & Tegmark, *Physics of Skill Learning*
(arXiv:2501.12391, 2025), with exact solutions where they exist, numeric backends checked against them, and
networks trained in JAX compared with the theory through one shared trajectory format.

Importing skillode switches JAX to float64 (``jax_enable_x64``): the ODE work needs it. Code that wants
float32 (large Geometry sweeps, network training) asks for it explicitly with a ``dtype`` argument.

Submodules not imported here (they pull in heavier dependencies): `skillode.plotting` (matplotlib),
`skillode.networks` (tasks, MLPs, training), `skillode.report` and `skillode.cli`.
"""

import importlib.metadata

import jax

jax.config.update("jax_enable_x64", True)

from . import (  # noqa: E402
    closed_form,
    distributed,
    fit,
    frequencies,
    geometry,
    optimizers,
    paper,
    scaling,
    solvers,
    sweeps,
    symbolic,
    timing,
    trajectory,
)
from ._model import AbstractSkillModel, AbstractTimeModel  # noqa: E402
from .dependencies import AND, OR, Gate, SkillGraph, chain  # noqa: E402
from .domino import DominoModel  # noqa: E402
from .fit import ResourceFit, fit_resource  # noqa: E402
from .frequencies import as_frequencies, exponential, zipf  # noqa: E402
from .geometry import GeometryModel, correlation_matrix, simulate, simulate_many, task_vectors  # noqa: E402
from .optimizers import make_optimizer, signgd  # noqa: E402
from .resource import ResourceModel  # noqa: E402
from .scaling import ChinchillaFit, PowerLawFit, fit_chinchilla, fit_power_law  # noqa: E402
from .solvers import AbstractSolver, Diffrax, DiscreteMap, Exact, Scipy  # noqa: E402
from .sweeps import GeometrySweep, Study, Sweep, run_sweep, sweep_learning_times  # noqa: E402
from .symbolic import domino_equations, resource_equations, to_jax  # noqa: E402
from .timing import Threshold, first_crossing, learning_times  # noqa: E402
from .trajectory import load, make_trajectory, save, validate_trajectory  # noqa: E402

try:
    __version__ = importlib.metadata.version("skillode")
except importlib.metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "AbstractSkillModel",
    "AbstractSolver",
    "AbstractTimeModel",
    "AND",
    "as_frequencies",
    "chain",
    "ChinchillaFit",
    "closed_form",
    "correlation_matrix",
    "Diffrax",
    "DiscreteMap",
    "distributed",
    "domino_equations",
    "DominoModel",
    "Exact",
    "exponential",
    "first_crossing",
    "fit",
    "fit_chinchilla",
    "fit_power_law",
    "fit_resource",
    "frequencies",
    "Gate",
    "geometry",
    "GeometryModel",
    "GeometrySweep",
    "learning_times",
    "load",
    "make_optimizer",
    "make_trajectory",
    "optimizers",
    "OR",
    "paper",
    "PowerLawFit",
    "resource_equations",
    "ResourceFit",
    "ResourceModel",
    "run_sweep",
    "save",
    "scaling",
    "Scipy",
    "signgd",
    "simulate",
    "simulate_many",
    "SkillGraph",
    "solvers",
    "Study",
    "Sweep",
    "sweeps",
    "sweep_learning_times",
    "symbolic",
    "task_vectors",
    "Threshold",
    "timing",
    "to_jax",
    "trajectory",
    "validate_trajectory",
    "zipf",
]
