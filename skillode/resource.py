r"""The Resource model: skills compete for a shared learning resource (PAPER §4).

**MSE variant.** The state is the remaining skill deficit ``l_i`` (skill level ``s_i = 1 - l_i``), ``l_i(0) = 1``:

.. math::

    \frac{dl_i}{dt} = -\eta\, \frac{(C\,c)_i}{\sum_j c_j + N_0}, \qquad c_j = g_j\, p_j\, l_j ,

with skill frequencies ``p``, effective learning rate ``eta`` (the paper's ``lr_eff = 2 lr sqrt(N)``), "wasted
resources" ``N0 >= 0``, task-overlap matrix ``C`` (identity by default; ``C = T T^T`` for non-orthogonal tasks)
and gates ``g_j`` (1 unless a `SkillGraph` is given). Reported loss ``sum_i p_i l_i^2``.

**CE variant.** The state is a logit ``l_i`` (``s_i = sigmoid(l_i)``), ``l_i(0) = 0``, competitiveness
``c_j = g_j p_j sigmoid(-l_j)`` and ``dl_i/dt = +eta (C c)_i / (sum_j c_j + N0)``; loss ``sum_i p_i log(1 + e^{-l_i})``.

When ``sum_j c_j + N0 = 0`` (``N0 = 0`` and every skill learned) the rate is defined as 0, never 0/0.

**Exact solution (tau time).** With ``d tau/dt = eta / (sum_j c_j + N0)`` the gate-free MSE model becomes linear,
``dl/dtau = -C diag(p) l``. For symmetric positive semi-definite ``C`` write ``B = D^{1/2} C D^{1/2} = Q Λ Q^T``
(``D = diag(p)``); then

.. math::

    l(\tau) = D^{-1/2} Q\, e^{-\Lambda\tau} Q^T D^{1/2} l_0, \qquad
    t(\tau) = \frac{1}{\eta}\Big[\sum_k a_k \frac{1 - e^{-\lambda_k\tau}}{\lambda_k} + N_0\tau\Big],

with ``a_k = (Q^T \sqrt{p})_k (Q^T D^{1/2} l_0)_k`` (``= p_k l0_k`` for ``C = I``). ``t(tau)`` is increasing and
concave, so Newton's method from ``tau = 0`` converges monotonically; it is inverted to machine precision at the
requested times. The gate-free CE model with ``C = I`` is solved the same way: ``l_i + e^{l_i} = p_i tau + l0_i +
e^{l0_i}`` (a Lambert-W form) and ``t(tau) = (1/eta)[sum_j (l_j(tau) - l0_j) + N0 tau]``.

**Methods** of `ResourceModel.solve`:

=============  ==========================================================================================
``"exact"``    the tau-time solution above (gate-free MSE with symmetric PSD ``C``; gate-free CE with ``C = I``)
``"diffrax"``  Kvaerno5 (implicit, stiffness-aware as ``N0 -> 0``) with a PID step-size controller; any model
``"scipy"``    ``scipy.integrate.solve_ivp`` (LSODA by default, ``Radau`` available) with a JAX Jacobian
``"discrete"`` the paper's map: Euler with ``dt = 1`` and (MSE) clipping at 0 — what the paper's figures used
=============  ==========================================================================================

References:
    Z. Liu, Y. Liu, E. J. Michaud, J. Gore, M. Tegmark, *Physics of Skill Learning*, arXiv:2501.12391 (2025).
"""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from . import solve as _solve
from .dependencies import SkillGraph
from .frequencies import as_frequencies
from .timing import learning_times as _extract_learning_times
from .trajectory import make_trajectory

__all__ = ["ResourceModel", "METHODS"]

METHODS = ("exact", "diffrax", "scipy", "discrete")
_LOSSES = ("mse", "ce")


def _is_concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


class ResourceModel(eqx.Module):
    """The Resource model (see the module docstring for the equations).

    **Arguments (keyword-only):**

    - `p`: skill frequencies, shape ``(n,)``, every entry ``> 0``; must sum to 1 unless ``normalized=False``.
    - `eta`: effective learning rate ``> 0`` (the paper's ``lr_eff``; see `skillode.paper.lr_eff`).
    - `N0`: wasted resources, ``>= 0``.
    - `C`: task-overlap matrix, shape ``(n, n)``, finite; ``None`` means the identity.
    - `loss`: ``"mse"`` (deficit state) or ``"ce"`` (logit state).
    - `gates`: a `skillode.SkillGraph` over the ``n`` skills, or ``None``.
    - `l0`: initial state, shape ``(n,)``; default ones (MSE) or zeros (CE).
    - `normalized`: require ``sum(p) == 1`` (default True).

    Example:
        >>> import numpy as np, skillode as sk
        >>> model = sk.ResourceModel(p=sk.zipf(10, 2.0), eta=2 * 3e-4 * np.sqrt(1000), N0=0.0)
        >>> model.learning_times(0.9).values.round(1)[:3]
        array([104.3, 211.5, 291.3])
    """

    p: jax.Array
    eta: jax.Array
    N0: jax.Array
    C: jax.Array | None
    l0: jax.Array
    loss: str = eqx.field(static=True)
    gates: SkillGraph | None = eqx.field(static=True)

    citation: ClassVar[str] = "Liu, Liu, Michaud, Gore & Tegmark, Physics of Skill Learning, arXiv:2501.12391"

    def __init__(self, *, p, eta, N0=0.0, C=None, loss="mse", gates=None, l0=None, normalized=True):
        if loss not in _LOSSES:
            raise ValueError(f"loss must be one of {_LOSSES}, got {loss!r}")
        self.loss = loss
        if _is_concrete(p):
            p = as_frequencies(p, normalized=normalized)
        self.p = jnp.asarray(p, dtype=jnp.float64)
        n = self.p.shape[-1]
        if _is_concrete(eta):
            eta_f = np.asarray(eta, dtype=np.float64)
            if eta_f.shape != () or not (np.isfinite(eta_f) and eta_f > 0):
                raise ValueError(f"eta (effective learning rate) must be a finite scalar > 0, got {eta!r}")
        if _is_concrete(N0):
            N0_f = np.asarray(N0, dtype=np.float64)
            if N0_f.shape != () or not (np.isfinite(N0_f) and N0_f >= 0):
                raise ValueError(f"N0 (wasted resources) must be a finite scalar >= 0, got {N0!r}")
        self.eta = jnp.asarray(eta, dtype=jnp.float64)
        self.N0 = jnp.asarray(N0, dtype=jnp.float64)
        if C is not None:
            if _is_concrete(C):
                C_np = np.asarray(C, dtype=np.float64)
                if C_np.shape != (n, n):
                    raise ValueError(f"C must have shape (n, n) = ({n}, {n}) to match p, got {C_np.shape}")
                if not np.all(np.isfinite(C_np)):
                    raise ValueError("C must be finite")
            C = jnp.asarray(C, dtype=jnp.float64)
        self.C = C
        if l0 is None:
            l0 = jnp.ones(n) if loss == "mse" else jnp.zeros(n)
        elif _is_concrete(l0):
            l0_np = np.asarray(l0, dtype=np.float64)
            if l0_np.shape != (n,) or not np.all(np.isfinite(l0_np)):
                raise ValueError(f"l0 (initial state) must be a finite array of shape ({n},), got {l0_np.shape}")
        self.l0 = jnp.asarray(l0, dtype=jnp.float64)
        if gates is not None:
            if not isinstance(gates, SkillGraph):
                raise ValueError(f"gates must be a skillode.SkillGraph or None, got {type(gates).__name__}")
            if gates.n != n:
                raise ValueError(f"gates describe {gates.n} skills but p has {n}")
        self.gates = gates

    # ------------------------------------------------------------------ the vector field
    @property
    def n(self) -> int:
        return self.p.shape[-1]

    def deficit(self, l):
        """Remaining deficit ``u = 1 - s``: ``l`` (MSE) or ``sigmoid(-l)`` (CE). Shape of ``l``."""
        return l if self.loss == "mse" else jax.nn.sigmoid(-l)

    def skill_level_of(self, l):
        """Skill level ``s``: ``1 - l`` (MSE) or ``sigmoid(l)`` (CE)."""
        return 1.0 - l if self.loss == "mse" else jax.nn.sigmoid(l)

    def skill_loss_of(self, l):
        """Per-skill loss: ``l^2`` (MSE) or ``log(1 + e^{-l})`` (CE)."""
        return l**2 if self.loss == "mse" else jax.nn.softplus(-l)

    def competitiveness(self, l):
        """``c = g ⊙ p ⊙ u(l)``, shape ``(n,)``.

        For the MSE model with ``C = I`` the exact deficits never go below 0, so ``u = max(l, 0)``: this changes
        nothing on the solution but stops a continuous solver that steps past ``l = 0`` (``N0 = 0``, where the
        field is discontinuous) from chattering around it. With a general ``C`` deficits may overshoot and
        ``u = l``.
        """
        u = self.deficit(l)
        if self.loss == "mse" and self.C is None:
            u = jnp.maximum(u, 0.0)
        g = 1.0 if self.gates is None else self.gates.gate_values(u)
        return g * self.p * u

    def resource_share(self, l):
        """``R = C c / (sum_j c_j + N0)``, shape ``(n,)``; 0 where the denominator is 0 (``N0 = 0``, all learned)."""
        c = self.competitiveness(l)
        denom = jnp.sum(c) + self.N0
        safe = jnp.where(denom > 0, denom, 1.0)
        num = c if self.C is None else self.C @ c
        return jnp.where(denom > 0, num / safe, 0.0)

    def vector_field(self, t, l, args=None):
        """``dl/dt``, shape ``(n,)`` (diffrax signature)."""
        sign = -1.0 if self.loss == "mse" else 1.0
        return sign * self.eta * self.resource_share(l)

    def equations(self, *, numeric: bool = False, time: str = "t"):
        """The model as SymPy ODEs ``Eq(Derivative(l_i(t), t), rhs)`` (see `skillode.symbolic.resource_equations`).

        With ``numeric=False`` (default) ``p``, ``eta``, ``N0`` stay symbols; ``numeric=True`` substitutes this
        model's values. ``C`` is kept as given (identity when ``None``). ``time="tau"`` gives the tau-time system.
        Print with ``sympy.latex``.
        """
        from .symbolic import resource_equations

        gates = None
        if self.gates is not None:
            gates = {i: (kind, pre, self.gates.a) for i, kind, pre in self.gates.index_spec()}
        kwargs = {}
        if numeric:
            kwargs = {"numeric_p": np.asarray(self.p), "eta": float(self.eta), "N0": float(self.N0)}
        return resource_equations(
            self.n,
            loss=self.loss,
            C=None if self.C is None else np.asarray(self.C),
            gates=gates,
            time=time,
            **kwargs,
        )

    # ------------------------------------------------------------------ solvers returning arrays
    def states(self, ts, method: str = "exact", **options):
        """The state ``l(t)`` at times ``ts`` (shape ``(T,)``, non-decreasing, ``>= 0``) as an array ``(n, T)``.

        Pure JAX for ``"exact"``, ``"diffrax"`` and ``"discrete"`` (jit, vmap, grad w.r.t. ``eta``, ``N0``, ``p``);
        ``"scipy"`` runs on the host. ``options`` go to the backend: ``clip`` (discrete, default True for MSE),
        ``rtol``/``atol``/``max_steps`` (diffrax, scipy), ``scipy_method``.
        """
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        if _is_concrete(ts):  # validate on the host; keep NumPy so the discrete map sees concrete steps under jit
            ts = np.asarray(ts, dtype=np.float64)
            if ts.ndim != 1 or ts.shape[0] == 0:
                raise ValueError(f"ts must be a non-empty 1-D array of times, got shape {ts.shape}")
            if not np.all(np.isfinite(ts)) or ts[0] < 0 or np.any(np.diff(ts) < 0):
                raise ValueError("ts must be finite, >= 0 and non-decreasing")
        if method != "discrete":
            ts = jnp.asarray(ts, dtype=jnp.float64)
        return _solve.BACKENDS[method](self, ts, **options)

    def skill_levels(self, ts, method: str = "exact", **options):
        """Skill levels ``s_i(t)`` at ``ts``, shape ``(n, T)`` (see `states` for methods and options)."""
        return self.skill_level_of(self.states(ts, method, **options))

    # ------------------------------------------------------------------ trajectories and timings
    def solve(self, ts, method: str = "exact", **options) -> xr.Dataset:
        """Solve the model at times ``ts`` and return the shared trajectory Dataset.

        Variables ``skill_level`` and ``skill_loss`` with dims ``(skill, t)`` and ``loss`` with dims ``(t,)``;
        ``attrs`` record the parameters and the method.
        """
        l = self.states(ts, method, **options)
        skill_loss = self.skill_loss_of(l)
        loss = jnp.sum(self.p[:, None] * skill_loss, axis=0)
        return make_trajectory(
            np.asarray(ts, dtype=np.float64),
            np.asarray(self.skill_level_of(l)),
            loss=np.asarray(loss),
            skill_loss=np.asarray(skill_loss),
            p=np.asarray(self.p),
            skill_name=None if self.gates is None else list(self.gates.skills),
            attrs=self.attrs(method=method, **{k: v for k, v in options.items() if np.isscalar(v)}),
        )

    def attrs(self, **extra) -> dict:
        """The model's parameters as netCDF-safe ``attrs``."""
        return {
            "model": "resource",
            "loss_kind": self.loss,
            "eta": float(self.eta),
            "N0": float(self.N0),
            "C": "identity" if self.C is None else np.asarray(self.C),
            "l0": np.asarray(self.l0),
            "gates": "none" if self.gates is None else self.gates.describe(),
            "gate_exponent": float("nan") if self.gates is None else self.gates.a,
            **extra,
        }

    @property
    def has_closed_form(self) -> bool:
        """True when `learning_times` and ``method="exact"`` use the tau-time closed form."""
        return _solve.exact_supported(self) is None

    def learning_times(
        self, threshold: float = 0.9, *, method: str | None = None, t_max: float | None = None
    ) -> xr.DataArray:
        """Learning time ``t_i`` at which skill ``i`` first reaches skill level ``threshold``, shape ``(n,)``.

        Closed form for gate-free models with ``C = I`` (PAPER §6.1, MSE with ``eps = 1 - threshold``):

        .. math::

            t_i = \\frac{1}{\\eta}\\Big[\\sum_j l_{0j}\\big(1 - (\\epsilon / l_{0i})^{p_j/p_i}\\big)
                  + N_0 \\frac{\\ln(l_{0i}/\\epsilon)}{p_i}\\Big].

        Otherwise (gates, general ``C``, or an explicit ``method``) the model is solved on a grid up to ``t_max``
        (default: long enough for the closed-form bound) and times are extracted with `skillode.learning_times`;
        skills never learned by ``t_max`` get NaN. With ``method="discrete"`` times are the paper's "first step
        with ``s > threshold``" on the discrete map.
        """
        threshold = float(threshold)
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must lie in the open interval (0, 1), got {threshold}")
        if method is None and self.C is None and self.gates is None:
            times = np.asarray(_solve.closed_form_learning_times(self, threshold))
            out = xr.DataArray(
                times,
                dims=("skill",),
                coords={"skill": np.arange(1, self.n + 1), "p": ("skill", np.asarray(self.p))},
                name="learning_time",
                attrs={"threshold": threshold, "on": "skill_level", "method": "closed_form", "units": "steps"},
            )
            return out.assign_coords(learned=("skill", np.isfinite(times)))
        if method is None:
            method = "exact" if self.has_closed_form else "diffrax"
        if t_max is None:
            t_max = _solve.default_horizon(self, threshold)
        if method == "discrete":
            ts = np.arange(0.0, np.ceil(t_max) + 1.0)
            interpolate = False
        else:
            ts = np.linspace(0.0, t_max, 4001)
            interpolate = True
        out = _extract_learning_times(self.solve(ts, method=method), threshold, interpolate=interpolate)
        out.attrs["method"] = method
        return out
