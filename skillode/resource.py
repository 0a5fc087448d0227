r"""The Resource model: skills compete for a shared learning resource (arXiv:2501.12391, Figs. 6–8).

**MSE variant.** The state is the remaining skill deficit $l_i$ (skill level $s_i = 1 - l_i$), $l_i(0) = 1$:

$$
\frac{dl_i}{dt} = -\eta\, \frac{(C\,c)_i}{\sum_j c_j + N_0}, \qquad c_j = g_j\, p_j\, l_j ,
$$

with skill frequencies $p$, effective learning rate $\eta$ (the paper's $\mathrm{lr_{eff}} = 2\,\mathrm{lr}\sqrt N$),
"wasted resources" $N_0 \ge 0$, task-overlap matrix $C$ (identity by default; $C = T T^\top$ for non-orthogonal
tasks) and gates $g_j$ (1 unless a `SkillGraph` is given). Reported loss $\sum_i p_i l_i^2$.

**CE variant.** The state is a logit $l_i$ ($s_i = \sigma(l_i)$), $l_i(0) = 0$, competitiveness
$c_j = g_j p_j \sigma(-l_j)$ and $dl_i/dt = +\eta (C c)_i / (\sum_j c_j + N_0)$; loss
$\sum_i p_i \log(1 + e^{-l_i})$.

When $\sum_j c_j + N_0 = 0$ ($N_0 = 0$ and every skill learned) the rate is defined as 0, never 0/0.

**Solving it.** In the internal time $\tau$, $d\tau/dt = \eta/(\sum_j c_j + N_0)$, the gate-free MSE model is
linear and the gate-free CE model with $C = I$ separates (`skillode.closed_form`); `skillode.Exact` inverts
$t(\tau)$ at the requested times. `skillode.Diffrax`, `skillode.Scipy` and the paper's `skillode.DiscreteMap`
solve any model (`skillode.solvers`).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from . import closed_form
from ._model import AbstractTimeModel
from ._validate import LOSS_KINDS, check_array, check_choice, check_scalar, check_times, is_concrete
from .dependencies import SkillGraph
from .frequencies import as_frequencies
from .solvers import AbstractSolver, as_solver, default_solver, solver_or_method
from .timing import Threshold
from .trajectory import make_trajectory

__all__ = ["ResourceModel", "LOSS_KINDS"]


class ResourceModel(AbstractTimeModel):
    r"""The Resource model (see the module docstring for the equations).

    **Arguments (keyword-only):**

    - `p`: skill frequencies, shape ``(n,)``, every entry $> 0$; must sum to 1 unless ``normalized=False``.
    - `eta`: effective learning rate $> 0$ (the paper's $\mathrm{lr_{eff}}$; see `skillode.paper.lr_eff`).
    - `N0`: wasted resources, $\ge 0$.
    - `C`: task-overlap matrix, shape ``(n, n)``, finite, symmetric and positive semi-definite (a Gram matrix
      $T T^\top$, to round-off: `skillode.closed_form.psd_problem`); ``None`` means the identity.
    - `loss_kind`: ``"mse"`` (deficit state) or ``"ce"`` (logit state).
    - `gates`: a `skillode.SkillGraph` over the ``n`` skills, or ``None``.
    - `l0`: initial state, shape ``(n,)``; default ones (MSE) or zeros (CE). MSE deficits must be $\ge 0$.
    - `normalized`: require $\sum_i p_i = 1$ (default True).

    Examples:
        >>> import numpy as np, skillode as sk
        >>> model = sk.ResourceModel(p=sk.zipf(10, 2.0), eta=2 * 3e-4 * np.sqrt(1000), N0=0.0)
        >>> model.learning_times(0.9).values.round(1)[:3]
        array([104.3, 211.5, 298.1])
    """

    p: jax.Array
    eta: jax.Array
    N0: jax.Array
    C: jax.Array | None
    l0: jax.Array
    loss_kind: str = eqx.field(static=True)
    gates: SkillGraph | None = eqx.field(static=True)

    def __init__(self, *, p, eta, N0=0.0, C=None, loss_kind="mse", gates=None, l0=None, normalized=True):
        self.loss_kind = loss_kind
        if is_concrete(p):
            p = as_frequencies(p, normalized=normalized)
        self.p = jnp.asarray(p, dtype=jnp.float64)
        self.eta = jnp.asarray(check_scalar(eta, "eta (effective learning rate)", low=0.0, strict=True), jnp.float64)
        self.N0 = jnp.asarray(check_scalar(N0, "N0 (wasted resources)", low=0.0), jnp.float64)
        self.C = None if C is None else jnp.asarray(C, dtype=jnp.float64)
        if l0 is None:
            l0 = jnp.ones(self.p.shape[-1]) if loss_kind == "mse" else jnp.zeros(self.p.shape[-1])
        self.l0 = jnp.asarray(l0, dtype=jnp.float64)
        self.gates = gates

    def __check_init__(self):
        check_choice(self.loss_kind, "loss_kind", LOSS_KINDS)
        n = self.n
        if self.C is not None:
            check_array(self.C, "C (task-overlap matrix)", (n, n))
            if is_concrete(self.C):  # a Gram matrix by definition; an indefinite one makes deficits grow unbounded
                problem = closed_form.psd_problem(self.C)
                if problem is not None:
                    raise ValueError(problem)
        l0 = check_array(self.l0, "l0 (initial state)", (n,))
        if self.loss_kind == "mse" and is_concrete(self.l0) and np.any(l0 < 0):
            i = int(np.argmax(l0 < 0))
            raise ValueError(f"l0 (initial state: MSE skill deficits 1 - s) must be >= 0 in every entry, got "
                             f"l0[{i}] = {l0[i]:g}")
        if self.gates is not None:
            if not isinstance(self.gates, SkillGraph):
                raise ValueError(f"gates must be a skillode.SkillGraph or None, got {type(self.gates).__name__}")
            if self.gates.n != n:
                raise ValueError(f"gates describe {self.gates.n} skills but p has {n}")

    # ------------------------------------------------------------------ the vector field
    def deficit(self, l):
        """Remaining deficit $u = 1 - s$: $l$ (MSE) or $\\sigma(-l)$ (CE). Shape of ``l``."""
        return l if self.loss_kind == "mse" else jax.nn.sigmoid(-l)

    def skill_level_of(self, l):
        """Skill level $s$: $1 - l$ (MSE) or $\\sigma(l)$ (CE). Shape of ``l``."""
        return 1.0 - l if self.loss_kind == "mse" else jax.nn.sigmoid(l)

    def skill_loss_of(self, l):
        """Per-skill loss: $l^2$ (MSE) or $\\log(1 + e^{-l})$ (CE). Shape of ``l``."""
        return l**2 if self.loss_kind == "mse" else jax.nn.softplus(-l)

    def competitiveness(self, l):
        """$c = g \\odot p \\odot u(l)$, shape ``(n,)``.

        For the MSE model with $C = I$ the exact deficits never go below 0, so $u = \\max(l, 0)$: this changes
        nothing on the solution but stops a continuous solver that steps past $l = 0$ ($N_0 = 0$, where the
        field is discontinuous) from chattering around it. With a general $C$ deficits may overshoot and $u = l$.
        """
        u = self.deficit(l)
        if self.loss_kind == "mse" and self.C is None:
            u = jnp.maximum(u, 0.0)
        if self.gates is None:
            g = 1.0
        elif self.loss_kind == "ce":  # log sigmoid(-l) stays exact where sigmoid(-l) underflows (l > ~745)
            g = self.gates.gate_values_from_log(jax.nn.log_sigmoid(-l))
        else:
            g = self.gates.gate_values(u)
        return g * self.p * u

    def resource_share(self, l):
        """$R = C c / (\\sum_j c_j + N_0)$, shape ``(n,)``; 0 where the denominator is 0 ($N_0 = 0$, all learned)."""
        c = self.competitiveness(l)
        denom = jnp.sum(c) + self.N0
        safe = jnp.where(denom > 0, denom, 1.0)
        num = c if self.C is None else self.C @ c
        return jnp.where(denom > 0, num / safe, 0.0)

    def vector_field(self, t, l, args=None):
        """$dl/dt$, shape ``(n,)`` (diffrax's signature)."""
        sign = -1.0 if self.loss_kind == "mse" else 1.0
        return sign * self.eta * self.resource_share(l)

    def equations(self, *, numeric: bool = False, time: str = "t"):
        """The model as SymPy ODEs ``Eq(Derivative(l_i(t), t), rhs)`` (`skillode.symbolic.resource_equations`).

        With ``numeric=False`` (default) $p$, $\\eta$, $N_0$ stay symbols; ``numeric=True`` substitutes this
        model's values. $C$ is kept as given (identity when ``None``). ``time="tau"`` gives the tau-time system.
        """
        from .symbolic import resource_equations

        kwargs = {}
        if numeric:
            kwargs = {"numeric_p": np.asarray(self.p), "eta": float(self.eta), "N0": float(self.N0)}
        C = None if self.C is None else np.asarray(self.C)
        return resource_equations(self.n, loss_kind=self.loss_kind, C=C, gates=self.gates, time=time, **kwargs)

    # ------------------------------------------------------------------ solving
    def numeric_solver(self, solver=None) -> AbstractSolver:
        """``solver`` as a solver object (`skillode.solvers.as_solver`); ``None``: `default_solver`."""
        solver = default_solver(self) if solver is None else as_solver(solver)
        solver.check(self)
        return solver

    def states(self, ts, solver=None, *, method: str | None = None):
        """The state $l(t)$ at times ``ts`` (shape ``(T,)``, non-decreasing, $\\ge 0$), shape ``(n, T)``.

        **Arguments:** `solver` a `skillode.solvers` object (`Exact()`, `Diffrax(...)`, `Scipy(...)`,
        `DiscreteMap(...)`) or its name; ``None`` picks `Exact()` where it applies, else `Diffrax()`.
        ``method="exact"`` etc. is the documented shorthand for ``solver=`` with a name.
        Pure JAX except `Scipy` (jit, vmap, grad w.r.t. $\\eta$, $N_0$, $p$).
        """
        solver = self.numeric_solver(solver_or_method(solver, method))
        if is_concrete(ts):  # validate on the host; keep NumPy so the discrete map sees concrete steps under jit
            ts = check_times(ts)
        return solver.states(self, ts)

    def skill_levels(self, ts, solver=None, *, method: str | None = None):
        """Skill levels $s_i(t)$ at ``ts``, shape ``(n, T)`` (see `states`)."""
        return self.skill_level_of(self.states(ts, solver, method=method))

    def solve(self, ts, solver=None, *, method: str | None = None) -> xr.Dataset:
        """Solve the model at times ``ts`` and return the shared trajectory Dataset.

        Variables ``skill_level`` and ``skill_loss`` with dims ``(skill, t)`` and ``loss`` with dims ``(t,)``;
        ``attrs`` record the parameters and the solver. Arguments as for `states`, but ``ts`` must be strictly
        increasing (the trajectory's ``t`` coordinate; `states` accepts repeated times).
        """
        solver = self.numeric_solver(solver_or_method(solver, method))
        ts = check_times(ts, strict=True)  # the trajectory's t coordinate: strictly increasing, checked first
        l = self.states(ts, solver)
        skill_loss = self.skill_loss_of(l)
        loss = jnp.sum(self.p[:, None] * skill_loss, axis=0)
        return make_trajectory(
            np.asarray(ts, dtype=np.float64),
            np.asarray(self.skill_level_of(l)),
            loss=np.asarray(loss),
            skill_loss=np.asarray(skill_loss),
            p=np.asarray(self.p),
            skill_name=None if self.gates is None else list(self.gates.skills),
            attrs=self.attrs(**solver.attrs()),
        )

    def attrs(self, **extra) -> dict:
        """The model's parameters as netCDF-safe ``attrs``."""
        return {
            "model": "resource",
            "loss_kind": self.loss_kind,
            "eta": float(self.eta),
            "N0": float(self.N0),
            "C": "identity" if self.C is None else np.asarray(self.C),
            "l0": np.asarray(self.l0),
            "gates": "none" if self.gates is None else self.gates.describe(),
            "gate_exponent": float("nan") if self.gates is None else self.gates.a,
            **extra,
        }

    # ------------------------------------------------------------------ learning times
    def _skill_level_threshold(self, threshold):
        """The skill level $s^*$ equivalent to ``threshold`` (``None`` for other variables).

        On the loss: MSE $l^2 \\le \\ell^* \\iff s \\ge 1 - \\sqrt{\\ell^*}$; CE $\\log(1 + e^{-l}) \\le \\ell^*
        \\iff s \\ge e^{-\\ell^*}$.
        """
        if threshold.on == "skill_level":
            return threshold.level
        if threshold.on == "loss":
            return 1.0 - jnp.sqrt(threshold.level) if self.loss_kind == "mse" else jnp.exp(-threshold.level)
        return None

    def has_closed_form_learning_times(self, threshold) -> bool:
        """True for gate-free models with $C = I$ and a threshold on the skill level or the loss."""
        return self.gates is None and self.C is None and threshold.on in ("skill_level", "loss")

    def closed_form_learning_times(self, threshold):
        r"""Closed-form learning times, shape ``(n,)``, for gate-free models with $C = I$.

        MSE (derived in ``derivations/learning_time.py``) with $\epsilon = 1 - s^*$:
        $t_i = \frac{1}{\eta}\big[\sum_j l^0_j(1 - (\epsilon/l^0_i)^{p_j/p_i}) + N_0 \ln(l^0_i/\epsilon)/p_i\big]$;
        CE through the Lambert-W form (`skillode.closed_form.ce_learning_times`). ``threshold`` is a
        `skillode.Threshold` on ``"skill_level"`` or ``"loss"`` (its level may be traced).
        """
        if not self.has_closed_form_learning_times(threshold):
            raise ValueError(
                "closed-form learning times need C = I, no gates, and a threshold on the skill level or the loss; "
                f"got C={'I' if self.C is None else 'a matrix'}, gates={self.gates is not None}, on={threshold.on!r}"
            )
        level = self._skill_level_threshold(threshold)
        if is_concrete(level) and float(level) <= 0.0:  # a loss threshold every skill meets at t = 0
            return jnp.zeros(self.n)
        if self.loss_kind == "mse":
            return closed_form.mse_learning_times(self.p, self.eta, self.N0, level, self.l0)
        return closed_form.ce_learning_times(self.p, self.eta, self.N0, level, self.l0)

    def horizon(self, threshold) -> float:
        """A time by which every learnable skill has reached ``threshold``, with a margin (numeric extraction).

        From the closed form of the comparable gate-free, $C = I$ model at level ``max(s*, 0.99)``, doubled
        (times ``n`` with gates, whose skills wait for their prerequisites), plus $10/\\eta$.
        """
        plain = ResourceModel(p=self.p, eta=self.eta, N0=self.N0, loss_kind=self.loss_kind, l0=self.l0,
                              normalized=False)
        level = self._skill_level_threshold(threshold)
        level = 0.99 if level is None else max(float(level), 0.99)
        base = float(np.max(np.asarray(plain.closed_form_learning_times(Threshold(level)))))
        factor = 2.0 if self.gates is None else 2.0 * self.n
        return factor * base + 10.0 / float(self.eta)
