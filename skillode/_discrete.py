r"""The paper's discrete map of the Resource model: Euler with ``dt = 1`` and (MSE) clipping at 0.

$$l \leftarrow \max\big(l + f(l),\ 0\big), \qquad
  f(l) = -\eta\, \frac{C c}{\sum_j c_j + N_0}, \qquad c_j = g_j\, p_j\, l_j,$$

with ``f`` the Resource model's vector field (`skillode.ResourceModel.vector_field`) and gates ``g`` from
`skillode.SkillGraph` (arXiv:2501.12391, Fig. 17; the Resource model and its gates: docs/paper.md), iterated
for a static number of steps as one ``lax.scan``.
Reached through `skillode.DiscreteMap`.

**Gated models are iterated in log-deficits.** A gate ``1 - l_j^a`` with a small exponent (the paper's
``a = 1e-3``) is still only half open at ``l_j = 1e-308`` and opens fully only when the deficit is exactly 0. A
prerequisite whose deficit decays geometrically therefore keeps changing the gates long after ``l_j`` has left the
float64 range, and a float64 deficit decides the gates by how it underflows: XLA on CPU flushes subnormals to zero
(the gate jumps to 1 near ``1e-308``), and NumPy's gradual underflow stalls a deficit at a few hundred times
``5e-324`` once ``eta c_j`` rounds to 0. With ``clip=True`` and gates, `discrete_map` therefore carries
``lambda = ln l`` (``-inf`` is a deficit clipped to exactly 0) and the gates see ``exp(a lambda)``, so deficits reach
0 only through the clip, as in exact arithmetic. Ungated models, and unclipped maps, keep the plain float64 update
(deficits that underflow there change nothing else).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

__all__ = ["discrete_map", "discrete_log_deficits"]


@eqx.filter_jit
def discrete_map(model, n_steps: int, clip: bool) -> jax.Array:
    r"""The map's states after ``0, 1, ..., n_steps`` steps, shape ``(n_steps + 1, n)``.

    One step is $l \leftarrow \max(l + f(l), 0)$ with ``clip`` (MSE deficits) and $l \leftarrow l + f(l)$
    without it (CE logits, or MSE with a non-identity ``C`` whose deficits may overshoot), $f$ the model's
    `vector_field`. Row ``k`` is the state after ``k`` steps (row 0 is ``model.l0``): MSE deficits or CE logits.

    With ``clip=True`` and gates, steps after the first are taken in log-deficits (`discrete_log_deficits`) and
    returned as $l = e^{\lambda}$, so the trajectory is the map's in exact arithmetic, not one shaped by how
    float64 underflows (see the module docstring). Entries below ``~1e-308`` come back as 0 on backends that flush
    subnormals; the state itself never saw that rounding.

    **Arguments:**

    - `model`: a `skillode.ResourceModel` (a pytree: a second model of the same structure reuses the compiled
      code).
    - `n_steps`: number of steps, a Python ``int >= 0`` (static).
    - `clip`: clip at 0 after every step (the paper's MSE map); a Python ``bool`` (static).

    Examples:
        >>> import skillode as sk
        >>> from skillode._discrete import discrete_map
        >>> model, steps = sk.paper.fig17_case(2)
        >>> l = discrete_map(model, steps, True)
        >>> l.shape
        (20001, 7)
        >>> int((1.0 - l[:, 6] >= 0.9).argmax())  # X7's learning step
        8259
    """
    if not clip or model.gates is None:

        def body(l, _):
            new = l + model.vector_field(0.0, l)
            new = jnp.maximum(new, 0.0) if clip else new
            return new, new

        _, path = jax.lax.scan(body, model.l0, None, length=n_steps)
        return jnp.concatenate([model.l0[None, :], path], axis=0)

    log_path = discrete_log_deficits(model, n_steps)
    return jnp.concatenate([model.l0[None, :], jnp.exp(log_path[1:])], axis=0)


@eqx.filter_jit
def discrete_log_deficits(model, n_steps: int) -> jax.Array:
    r"""Log-deficits $\lambda = \ln l$ of the clipped MSE map after ``0, ..., n_steps`` steps, ``(n_steps + 1, n)``.

    The first step is the plain update from ``model.l0`` (any finite $l_0$, also negative with a general $C$),
    $l_1 = \max(l_0 + f(l_0), 0)$. Every later step is the same update with the deficits stored as logs:

    $$\lambda_i \leftarrow \lambda_i + \ln\!\Big(1 - \frac{\eta\, g_i p_i}{D}\Big) \;(C = I), \qquad
      D = \sum_j g_j p_j e^{\lambda_j} + N_0,$$

    or, for a general $C$, $\lambda_i \leftarrow \ln\big(e^{\lambda_i} - \eta\,(C s)_i\big)$ with shares
    $s_j = g_j p_j e^{\lambda_j} / D$, evaluated relative to the largest term of row $i$. A new deficit
    $\le 0$ is clipped: $\lambda_i = -\infty$. Gates come from `skillode.SkillGraph.gate_values_from_log`, and
    $\ln D$ is a shifted log-sum-exp, so nothing underflows however small the deficits get. If $D \le 0$
    ($N_0 = 0$ with every competitiveness 0) nothing moves, as in `ResourceModel.resource_share`.

    Row 0 is $\ln l_0$ (NaN where $l_0 < 0$, which only the unclipped initial state can have).

    **Arguments:**

    - `model`: a `skillode.ResourceModel` with the MSE loss (gated or not).
    - `n_steps`: number of steps, a Python ``int >= 0`` (static).
    """
    l0 = model.l0
    log_l0 = jnp.where(l0 < 0, jnp.nan, _safe_log(l0))
    if n_steps == 0:
        return log_l0[None, :]
    first = _safe_log(jnp.maximum(l0 + model.vector_field(0.0, l0), 0.0))
    graph, p, eta, N0, C = model.gates, model.p, model.eta, model.N0, model.C

    def body(lam, _):
        new = _log_step(lam, graph, p, eta, N0, C)
        return new, new

    _, path = jax.lax.scan(body, first, None, length=n_steps - 1)
    return jnp.concatenate([log_l0[None, :], first[None, :], path], axis=0)


def _safe_log(x):
    """``ln x`` for ``x >= 0`` with ``ln 0 = -inf`` and a finite gradient at 0."""
    positive = x > 0
    return jnp.where(positive, jnp.log(jnp.where(positive, x, 1.0)), -jnp.inf)


def _log_step(lam, graph, p, eta, N0, C):
    """One clipped step in log-deficits (see `discrete_log_deficits`); ``lam`` of shape ``(n,)``."""
    # c_j = w_j e^{lam_j}; w_j < 0 only for a gate on a deficit above 1, which the paper's formula allows
    w = p if graph is None else graph.gate_values_from_log(lam) * p
    live = (w != 0) & (lam > -jnp.inf)
    log_c = jnp.where(live, lam + _safe_log(jnp.abs(w)), -jnp.inf)  # ln |c_j|
    # ln D = M + ln(sum_j c_j e^{-M} + N0 e^{-M}); M only rescales, so it carries no gradient
    M = jax.lax.stop_gradient(jnp.maximum(jnp.max(log_c), _safe_log(N0)))
    M = jnp.where(jnp.isfinite(M), M, 0.0)
    scaled = jnp.sum(w * jnp.exp(jnp.where(live, lam - M, -jnp.inf))) + N0 * jnp.exp(-M)
    flows = scaled > 0  # D <= 0: no resource flows, as in ResourceModel.resource_share
    log_D = M + jnp.log(jnp.where(flows, scaled, 1.0))
    log_s = jnp.where(live & flows, log_c - log_D, -jnp.inf)  # ln |s_j|, shares s_j = c_j / D
    sign = jnp.sign(w)
    if C is None:
        # l_i (1 - r_i), r_i = eta s_i / l_i = eta w_i / D; r_i >= 1 is the clip
        r = eta * sign * jnp.exp(jnp.where(live & flows, log_s - lam, -jnp.inf))
        keep = r < 1.0
        return jnp.where(keep, lam + jnp.log1p(-jnp.where(keep, r, 0.0)), -jnp.inf)
    # row i: e^{lam_i} - eta sum_j C_ij s_j, every term taken relative to the row's largest one
    coupled = (C != 0) & jnp.isfinite(log_s)[None, :]
    row_max = jnp.max(jnp.where(coupled, log_s[None, :], -jnp.inf), axis=1)
    m = jax.lax.stop_gradient(jnp.maximum(lam, row_max))
    m = jnp.where(jnp.isfinite(m), m, 0.0)
    own = jnp.exp(jnp.where(lam > -jnp.inf, lam - m, -jnp.inf))
    scale = jnp.exp(jnp.where(coupled, log_s[None, :] - m[:, None], -jnp.inf))
    terms = jnp.where(coupled, C * sign[None, :], 0.0) * scale
    bracket = own - eta * jnp.sum(terms, axis=1)
    keep = bracket > 0
    return jnp.where(keep, m + jnp.log(jnp.where(keep, bracket, 1.0)), -jnp.inf)
