"""skillode — the physics of skill learning as differential equations.

The Geometry, Resource and Domino models of Liu, Liu, Michaud, Gore & Tegmark, *Physics of Skill Learning*
(arXiv:2501.12391, 2025), with exact solutions where they exist, numeric backends checked against them, and
networks trained in JAX compared with the theory through one shared trajectory format.

Importing skillode switches JAX to float64 (``jax_enable_x64``): the ODE work needs it. Code that wants
float32 (large Geometry sweeps, network training) asks for it explicitly with a ``dtype`` argument.
"""

import jax

jax.config.update("jax_enable_x64", True)

from . import frequencies, optimizers, paper, trajectory  # noqa: E402
from .dependencies import AND, OR, Gate, SkillGraph, chain  # noqa: E402
from .domino import DominoModel  # noqa: E402
from .frequencies import as_frequencies, exponential, zipf  # noqa: E402
from .optimizers import make_optimizer, signgd  # noqa: E402
from .resource import ResourceModel  # noqa: E402
from .timing import first_crossing, learning_times  # noqa: E402
from .trajectory import load, make_trajectory, save, validate_trajectory  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "AND",
    "DominoModel",
    "Gate",
    "OR",
    "ResourceModel",
    "SkillGraph",
    "chain",
    "paper",
    "as_frequencies",
    "exponential",
    "first_crossing",
    "frequencies",
    "learning_times",
    "load",
    "make_optimizer",
    "make_trajectory",
    "optimizers",
    "save",
    "signgd",
    "trajectory",
    "validate_trajectory",
    "zipf",
]
