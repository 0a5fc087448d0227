r"""The Domino model: skills are learned strictly one after another (arXiv:2501.12391, Fig. 9).

Each skill takes the same time $t_0$ and starts when the previous one is done:

$$
s_i(t) = \min\!\Big(1, \max\!\Big(0, \frac{t - (i-1)\,t_0}{t_0}\Big)\Big), \qquad i = 1..n,
$$

so skill $i$ reaches level $s^*$ at $t_i = (i - 1 + s^*)\,t_0$ and is complete at $i\,t_0$. The per-skill loss is
the MSE one, $(1 - s_i)^2$, weighted by the frequencies $p$ in the total loss (the dynamics do not depend on $p$;
skills are taken in the order given, most frequent first).

It is the $N_0 \to 0$, well-separated-frequency limit of the Resource model with $t_0 = 1/\eta$ (for $l^0 = 1$):
with $N_0 = 0$ the closed-form learning time is $t_i = \frac{1}{\eta}\sum_j (1 - \epsilon^{p_j/p_i})$, and as
$p_1 \gg p_2 \gg \dots$ each term tends to 1 for $j < i$, to $1 - \epsilon$ for $j = i$ and to 0 for $j > i$
(``derivations/domino_limit.py``; `DominoModel.from_resource`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from . import closed_form
from ._model import AbstractTimeModel
from ._validate import check_int, check_scalar, check_times, is_concrete
from .frequencies import as_frequencies
from .trajectory import make_trajectory

__all__ = ["DominoModel"]


class DominoModel(AbstractTimeModel):
    r"""The serial (Domino) model of ``n`` skills, each learned in time $t_0$.

    **Arguments (keyword-only):**

    - `t0`: time to learn one skill, in steps, $> 0$.
    - `n`: number of skills, integer $\ge 1$ (equal frequencies), or
    - `p`: skill frequencies, shape ``(n,)`` (they weight the loss only).

    Examples:
        >>> DominoModel(n=3, t0=100.0).learning_times(0.9).values
        array([ 90., 190., 290.])
    """

    p: jax.Array
    t0: jax.Array

    def __init__(self, *, t0, n: int | None = None, p=None):
        if (n is None) == (p is None):
            raise ValueError("give exactly one of n (number of skills) or p (skill frequencies)")
        if p is None:
            n = check_int(n, "n (number of skills)")
            p = np.full(n, 1.0 / n)
        self.p = jnp.asarray(as_frequencies(p), dtype=jnp.float64)
        self.t0 = jnp.asarray(check_scalar(t0, "t0 (time per skill)", low=0.0, strict=True), dtype=jnp.float64)

    @classmethod
    def from_resource(cls, model) -> DominoModel:
        """The Domino limit of a gate-free MSE `ResourceModel`: $t_0 = \\sum_i l^0_i / (n\\eta)$ ($= 1/\\eta$)."""
        if model.loss_kind != "mse" or model.gates is not None:
            gates = "none" if model.gates is None else "a SkillGraph"
            raise ValueError("the Domino limit is defined for gate-free MSE Resource models, got "
                             f"loss_kind={model.loss_kind!r}, gates={gates}")
        return cls(p=model.p, t0=float(jnp.sum(model.l0) / (model.n * model.eta)))

    def skill_levels(self, ts):
        """$s_i(t)$ at times ``ts`` (shape ``(T,)``, finite, $\\ge 0$, non-decreasing), shape ``(n, T)``."""
        ts = jnp.asarray(check_times(ts) if is_concrete(ts) else ts, dtype=jnp.float64)
        i = jnp.arange(1, self.n + 1, dtype=jnp.float64)[:, None]
        return jnp.clip((ts[None, :] - (i - 1.0) * self.t0) / self.t0, 0.0, 1.0)

    def solve(self, ts, solver=None) -> xr.Dataset:
        """The trajectory Dataset: ``skill_level``, ``skill_loss`` $(1 - s)^2$ with dims ``(skill, t)``, ``loss``.

        ``ts``: strictly increasing times $\\ge 0$ (the trajectory's ``t`` coordinate).
        """
        self.numeric_solver(solver)
        ts = check_times(ts, strict=True)
        s = np.asarray(self.skill_levels(ts))
        skill_loss = (1.0 - s) ** 2
        return make_trajectory(
            np.asarray(ts, dtype=np.float64),
            s,
            loss=np.asarray(self.p) @ skill_loss,
            skill_loss=skill_loss,
            p=np.asarray(self.p),
            attrs=self.attrs(),
        )

    def attrs(self, **extra) -> dict:
        return {"model": "domino", "t0": float(self.t0), "n": self.n, **extra}

    def has_closed_form_learning_times(self, threshold) -> bool:
        return threshold.on in ("skill_level", "loss")

    def closed_form_learning_times(self, threshold):
        r"""$t_i = (i - 1 + s^*)\,t_0$, shape ``(n,)``; on the loss $\ell^*$: $s^* = 1 - \sqrt{\ell^*}$."""
        if threshold.on == "skill_level":
            level = threshold.level
        elif threshold.on == "loss":
            level = 1.0 - jnp.sqrt(threshold.level)
        else:
            raise ValueError(f"the Domino model has closed-form times on the skill level or loss, not {threshold.on!r}")
        return closed_form.domino_learning_times(self.n, self.t0, level)

    def numeric_solver(self, solver=None):
        """``None``: the Domino model is its own closed form and takes no solver."""
        if solver is not None:
            raise ValueError("DominoModel takes no solver; its skill levels are a closed form")
        return None

    def horizon(self, threshold) -> float:
        """Every skill is complete at ``n t0``; a 1% margin."""
        return float(self.n * self.t0) * 1.01

    def equations(self):
        """The Domino skill levels as SymPy piecewise expressions (`skillode.symbolic.domino_equations`)."""
        from .symbolic import domino_equations

        return domino_equations(self.n, float(self.t0))
