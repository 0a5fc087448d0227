r"""The Domino model: skills are learned strictly one after another (PAPER §5).

Each skill takes the same time ``t0`` and starts when the previous one is done:

.. math::

    s_i(t) = \min\!\Big(1, \max\!\Big(0, \frac{t - (i-1)\,t_0}{t_0}\Big)\Big), \qquad i = 1..n,

so skill ``i`` reaches level ``s*`` at ``t_i = (i - 1 + s*) t0`` and is complete at ``i t0``.

It is the ``N0 -> 0``, well-separated-frequency limit of the Resource model with ``t0 = 1/eta`` (for ``l0 = 1``):
with ``N0 = 0`` the closed-form learning time is ``t_i = (1/eta) sum_j (1 - eps^{p_j/p_i})``, and as
``p_1 >> p_2 >> ...`` each term tends to 1 for ``j < i``, to ``1 - eps`` for ``j = i`` and to 0 for ``j > i``
(`derivations/domino_limit.py`; `DominoModel.from_resource`).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from .trajectory import make_trajectory

__all__ = ["DominoModel"]


class DominoModel(eqx.Module):
    """The serial (Domino) model of ``n`` skills, each learned in time ``t0``.

    **Arguments (keyword-only):**

    - `n`: number of skills, integer ``>= 1``.
    - `t0`: time to learn one skill, in steps, ``> 0``.

    Example:
        >>> DominoModel(n=3, t0=100.0).learning_times(0.9).values
        array([ 90., 190., 290.])
    """

    n: int = eqx.field(static=True)
    t0: jax.Array

    def __init__(self, *, n: int, t0: float):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n (number of skills) must be an integer >= 1, got {n!r}")
        if not isinstance(t0, jax.core.Tracer):
            t0_f = float(t0)
            if not (np.isfinite(t0_f) and t0_f > 0):
                raise ValueError(f"t0 (time per skill) must be finite and > 0, got {t0!r}")
        self.n = int(n)
        self.t0 = jnp.asarray(t0, dtype=jnp.float64)

    @classmethod
    def from_resource(cls, model) -> DominoModel:
        """The Domino limit of a gate-free MSE `ResourceModel`: ``t0 = sum_i l0_i / (n eta)`` (``= 1/eta``)."""
        if model.loss != "mse" or model.gates is not None:
            raise ValueError("the Domino limit is defined for gate-free MSE Resource models")
        return cls(n=model.n, t0=float(jnp.sum(model.l0) / (model.n * model.eta)))

    def skill_levels(self, ts):
        """``s_i(t)`` at times ``ts`` (shape ``(T,)``), shape ``(n, T)``."""
        ts = jnp.asarray(ts, dtype=jnp.float64)
        i = jnp.arange(1, self.n + 1, dtype=jnp.float64)[:, None]
        return jnp.clip((ts[None, :] - (i - 1.0) * self.t0) / self.t0, 0.0, 1.0)

    def solve(self, ts) -> xr.Dataset:
        """The trajectory Dataset (``skill_level``, dims ``(skill, t)``)."""
        return make_trajectory(
            np.asarray(ts, dtype=np.float64),
            np.asarray(self.skill_levels(ts)),
            attrs={"model": "domino", "t0": float(self.t0), "n": self.n},
        )

    def learning_times(self, threshold: float = 0.9) -> xr.DataArray:
        """``t_i = (i - 1 + threshold) t0``, shape ``(n,)``; ``threshold`` in ``(0, 1]``."""
        threshold = float(threshold)
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must lie in (0, 1], got {threshold}")
        times = (np.arange(self.n) + threshold) * float(self.t0)
        return xr.DataArray(
            times,
            dims=("skill",),
            coords={"skill": np.arange(1, self.n + 1)},
            name="learning_time",
            attrs={"threshold": threshold, "on": "skill_level", "method": "closed_form", "units": "steps"},
        )

    def equations(self):
        """The Domino skill levels as SymPy piecewise expressions (see `skillode.symbolic.domino_equations`)."""
        from .symbolic import domino_equations

        return domino_equations(self.n, float(self.t0))
