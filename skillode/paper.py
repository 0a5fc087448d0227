"""The paper's conventions as presets, for reproducing its figures (arXiv:2501.12391, Figs. 4–9 and 17).

Liu, Liu, Michaud, Gore & Tegmark, *Physics of Skill Learning*, arXiv:2501.12391 (2025). Everything here is a
number or a recipe the paper (its code) used; the models themselves live in `skillode.resource`,
`skillode.domino` and `skillode.geometry`.

- Time unit: one optimizer step = one step of the discrete Resource map (``dt = 1``), `skillode.DiscreteMap`.
- ``lr_eff = 2 lr sqrt(N)`` links a Geometry model (dimension ``N``, SignGD learning rate ``lr``) to the Resource
  model's ``eta``; the factor is 4 for the CE comparison of Fig8-bottom. The factors are empirical fits.
- SignGD = Adam with ``b1 = b2 = 0``, ``eps = 1e-8`` (`skillode.optimizers.signgd`).
- Default skills: Zipf ``alpha = 2``, ``n = 10``; learning time = first step with ``s > 0.9``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ._validate import check_int, check_scalar
from .dependencies import AND, OR, SkillGraph, chain
from .resource import ResourceModel
from .trajectory import make_trajectory

__all__ = [
    "ALPHA",
    "N_SKILLS",
    "LR",
    "DIM",
    "THRESHOLD",
    "FIG6_N0",
    "lr_eff",
    "fig17_case",
    "sparse_parity_compositional",
    "sparse_parity_independent",
]

ALPHA = 2.0  #: default Zipf exponent
N_SKILLS = 10  #: default number of skills
LR = 3e-4  #: default SignGD learning rate of the Geometry model
DIM = 1000  #: default Geometry-model dimension N
THRESHOLD = 0.9  #: learning-time threshold on the skill level

#: N0 the paper's Fig6/Fig7 theory curves used for each Geometry-model mode (the code's values, not the
#: printed labels; arXiv:2501.12391, Figs. 6–7). Keys name the one setting changed from the default.
FIG6_N0 = {
    "default": 0.003,
    "alpha=4": 0.006,
    "N=100": 0.006,
    "n=100": 0.01,
    "lr=1e-4": 0.001,
    "noise=1e-3": 0.06,
    "adam": 0.08,
    "batch=16": 0.05,
    "p=3^-i,n=5,lr=1e-4": 0.006,
}


def lr_eff(lr: float, N: int, factor: float = 2.0) -> float:
    """The Resource model's ``eta`` for a Geometry model: ``factor * lr * sqrt(N)``.

    ``factor = 2`` (MSE, Fig4–7), ``4`` (CE, Fig8-bottom), ``1`` (Fig5's exploratory cell).
    """
    lr = check_scalar(lr, "lr (learning rate)", low=0.0, strict=True)
    N = check_int(N, "N (dimension)")
    factor = check_scalar(factor, "factor", low=0.0, strict=True)
    return factor * lr * float(np.sqrt(N))


def fig17_case(case: int) -> tuple[ResourceModel, int]:
    """The three task-dependence structures of Fig17 as ``(model, steps)`` (discrete map; arXiv:2501.12391, Fig. 17).

    1. chain ``X1 -> X2 -> X3``, ``p = (0.3, 1, 3)``, ``a = 1e-4``, 5000 steps;
    2. ``X1∧X2 -> X5``, ``X3∧X4 -> X6``, ``X5∧X6 -> X7``, ``p = (1, 0.1, 2, 0.2, 1, 1, 1)``, 20000 steps;
    3. ``X1∧X2 -> X5``, ``X3∨X4 -> X6``, ``X5∨X6 -> X7``, ``p = (0.1, 0.01, 2, 0.2, 1, 1, 1)``, 20000 steps.

    All use unnormalised ``p``, ``eta = 1e-3`` and ``N0 = 1e-3``.
    """
    if case == 1:
        names = ("X1", "X2", "X3")
        graph = SkillGraph(names, {"X2": chain("X1"), "X3": chain("X2")}, a=1e-4)
        p, steps = (0.3, 1.0, 3.0), 5000
    elif case in (2, 3):
        names = tuple(f"X{i}" for i in range(1, 8))
        if case == 2:
            gates = {"X5": AND("X1", "X2"), "X6": AND("X3", "X4"), "X7": AND("X5", "X6")}
            p = (1.0, 0.1, 2.0, 0.2, 1.0, 1.0, 1.0)
        else:
            gates = {"X5": AND("X1", "X2"), "X6": OR("X3", "X4"), "X7": OR("X5", "X6")}
            p = (0.1, 0.01, 2.0, 0.2, 1.0, 1.0, 1.0)
        graph, steps = SkillGraph(names, gates, a=1e-3), 20000
    else:
        raise ValueError(f"case must be 1, 2 or 3, got {case!r}")
    return ResourceModel(p=p, eta=1e-3, N0=1e-3, gates=graph, normalized=False), steps


def sparse_parity_compositional() -> tuple[ResourceModel, int]:
    """Fig2/16 theory for ``T3 = T1 xor T2``: equal ``p = 1/3``, ``T3`` gated by ``AND(T1, T2)`` with ``a = 0.01``,
    ``N0 = 0.01``, ``eta = 0.01 sqrt(7·50/600)`` (an effective dimension fitted by the authors), 1000 steps."""
    graph = SkillGraph(("T1", "T2", "T3"), {"T3": AND("T1", "T2")}, a=0.01)
    model = ResourceModel(p=np.full(3, 1 / 3), eta=0.01 * np.sqrt(7 * 50 / 600), N0=0.01, gates=graph)
    return model, 1000


def sparse_parity_independent(steps: int = 3000, *, switch: bool = True) -> xr.Dataset:
    """Fig16 theory for an independent 4-bit parity ``T3`` next to two 2-bit parities (discrete map).

    ``p1 = p2 = 1/3`` and ``p3 = 0.0045``; with ``switch=True`` the rare skill's effective frequency jumps to
    ``0.08`` once its deficit falls to ``l3 <= 0.5`` (the authors' device for a skill that accelerates once half
    learned). ``N0 = 0.1``, ``eta = 0.01 sqrt(7·50/400)``. Returns the trajectory for steps ``0..steps``.
    """
    steps = check_int(steps, "steps")
    eta = 0.01 * np.sqrt(7 * 50 / 400)
    p_slow = np.array([1 / 3, 1 / 3, 0.0045])
    ts = np.arange(steps + 1.0)
    slow = ResourceModel(p=p_slow, eta=eta, N0=0.1, normalized=False)
    l = np.array(slow.states(ts, "discrete"))
    switched_at = -1
    if switch:
        crossed = np.nonzero(l[2] <= 0.5)[0]
        if crossed.size:
            k = int(crossed[0])
            fast = ResourceModel(p=[1 / 3, 1 / 3, 0.08], eta=eta, N0=0.1, l0=l[:, k], normalized=False)
            l[:, k:] = np.asarray(fast.states(ts[: steps + 1 - k], "discrete"))
            switched_at = k
    return make_trajectory(
        ts, 1.0 - l, skill_name=["T1", "T2", "T3"], p=p_slow,
        attrs={"model": "resource", "solver": "DiscreteMap", "eta": eta, "N0": 0.1, "switch": switch,
               "switched_at": switched_at},
    )
