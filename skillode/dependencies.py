"""Skill graphs for compositional skills: AND / OR / chain gates on prerequisites (arXiv:2501.12391, Fig. 17).

A gated skill ``i`` multiplies its competitiveness by a gate ``g_i(u) ∈ [0, 1]`` computed from the remaining
deficits ``u_j ≥ 0`` of its prerequisites, with a small exponent ``a``:

- ``AND(j, k)``:  ``g_i = (1 - u_j^a) (1 - u_k^a)``
- ``OR(j, k)``:   ``g_i = max(1 - u_j^a, 1 - u_k^a)``
- ``chain(j)``:   ``g_i = 1 - u_j^a``
- ungated skills: ``g_i = 1``.

The gate multiplies competitiveness in both the numerator and the denominator of the Resource model, so a closed
skill neither learns nor uses resources. With ``a << 1``, ``u^a ≈ 1 + a ln u`` is close to 1 until the prerequisite's
deficit is *exactly* 0 — which only the paper's clipped discrete map reaches in finite time. In continuous time
(`skillode.Diffrax` / `skillode.Scipy`) a tiny ``a`` therefore leaves gates almost shut; use the discrete map to
reproduce the paper, or a moderate ``a`` (e.g. 0.1–0.5) for a smooth continuous-time gate.

Gates are computed from log-deficits, ``1 - u^a = -expm1(a ln u)`` (`SkillGraph.gate_values_from_log`), which is
exact for deficits far below the float64 range: with ``a = 1e-3`` the gate is still only half open at
``u = 1e-308``, so a deficit that underflows (or is flushed to zero, as XLA does on CPU) would open it early. The
discrete map carries ``ln u`` for gated models for this reason (`skillode._discrete`; docs: "Flush-to-zero and the
gated discrete map").

Examples:
    >>> graph = SkillGraph(skills=("X1", "X2", "X3"), gates={"X3": AND("X1", "X2")}, a=1e-3)
    >>> graph.order
    ('X1', 'X2', 'X3')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import equinox as eqx
import jax.numpy as jnp
import numpy as np

__all__ = ["Gate", "AND", "OR", "chain", "SkillGraph"]

_KINDS = ("and", "or", "chain")


class Gate(eqx.Module):
    """One gate: ``kind`` in ``{"and", "or", "chain"}`` over named ``prerequisites``."""

    kind: str = eqx.field(static=True)
    prerequisites: tuple[str, ...] = eqx.field(static=True)

    def __init__(self, kind: str, prerequisites: Sequence[str]):
        self.kind = kind
        self.prerequisites = tuple(prerequisites)

    def __check_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(f"gate kind must be one of {_KINDS}, got {self.kind!r}")
        if len(self.prerequisites) == 0:
            raise ValueError("a gate needs at least one prerequisite skill")
        if self.kind == "chain" and len(self.prerequisites) != 1:
            raise ValueError(f"a chain gate has exactly one prerequisite, got {self.prerequisites}")
        if len(set(self.prerequisites)) != len(self.prerequisites):
            raise ValueError(f"gate prerequisites must be distinct, got {self.prerequisites}")


def AND(*prerequisites: str) -> Gate:
    """Skill needs all of ``prerequisites``: ``g = prod_j (1 - u_j^a)``."""
    return Gate("and", prerequisites)


def OR(*prerequisites: str) -> Gate:
    """Skill needs any one of ``prerequisites``: ``g = max_j (1 - u_j^a)``."""
    return Gate("or", prerequisites)


def chain(prerequisite: str) -> Gate:
    """Skill needs ``prerequisite``: ``g = 1 - u_j^a``."""
    return Gate("chain", (prerequisite,))


class SkillGraph(eqx.Module):
    """A dependency graph over named skills; hashable and static, so models holding it still jit.

    **Arguments:**

    - `skills`: the skill names, in the order of the model's ``p`` (index ``i`` ↔ ``skills[i]``).
    - `gates`: mapping ``skill name -> Gate``; skills not named are ungated.
    - `a`: gate exponent, ``> 0`` (the paper uses ``1e-4`` … ``1e-2``).

    Unknown names, self-dependencies and cycles raise ``ValueError``.
    """

    skills: tuple[str, ...] = eqx.field(static=True)
    gates: tuple[tuple[str, Gate], ...] = eqx.field(static=True)
    a: float = eqx.field(static=True)

    def __init__(self, skills: Sequence[str], gates: Mapping[str, Gate], a: float = 1e-3):
        self.skills = tuple(str(s) for s in skills)
        self.gates = tuple((str(k), v) for k, v in gates.items())
        self.a = float(a)

    def __check_init__(self):
        if len(set(self.skills)) != len(self.skills) or len(self.skills) == 0:
            raise ValueError(f"skills must be distinct, non-empty names, got {self.skills}")
        if not (np.isfinite(self.a) and self.a > 0):
            raise ValueError(f"a (gate exponent) must be finite and > 0, got {self.a}")
        known = set(self.skills)
        for name, gate in self.gates:
            if not isinstance(gate, Gate):
                raise ValueError(f"gate for skill {name!r} must be a Gate (AND/OR/chain), got {gate!r}")
            if name not in known:
                raise ValueError(f"gated skill {name!r} is not one of the skills {self.skills}")
            for pre in gate.prerequisites:
                if pre not in known:
                    raise ValueError(f"prerequisite {pre!r} of skill {name!r} is not one of the skills {self.skills}")
                if pre == name:
                    raise ValueError(f"skill {name!r} cannot be its own prerequisite")
        self._topological_order()  # raises on cycles

    def _topological_order(self) -> tuple[str, ...]:
        needs = {name: set(gate.prerequisites) for name, gate in self.gates}
        done: list[str] = []
        remaining = list(self.skills)
        while remaining:
            ready = [s for s in remaining if needs.get(s, set()) <= set(done)]
            if not ready:
                raise ValueError(f"the skill graph has a cycle among {sorted(remaining)}")
            done.extend(ready)
            remaining = [s for s in remaining if s not in ready]
        return tuple(done)

    @property
    def order(self) -> tuple[str, ...]:
        """Skills in an order where every prerequisite comes before the skills that need it."""
        return self._topological_order()

    @property
    def n(self) -> int:
        return len(self.skills)

    def index_spec(self) -> tuple[tuple[int, str, tuple[int, ...]], ...]:
        """The gates as ``(skill index, kind, prerequisite indices)`` (0-based), for the symbolic layer."""
        idx = {s: i for i, s in enumerate(self.skills)}
        return tuple((idx[name], g.kind, tuple(idx[p] for p in g.prerequisites)) for name, g in self.gates)

    def gate_values_from_log(self, log_u):
        r"""Gate multipliers from log-deficits: $g_i$ of shape ``(n,)`` from ``log_u`` $= \ln u$ of shape ``(n,)``.

        Each prerequisite $j$ contributes its open fraction $o_j = 1 - u_j^a = -\mathrm{expm1}(a \ln u_j)$, and

        $$g_i = \prod_{j \in \mathrm{pre}(i)} o_j \;(\text{AND, chain}), \qquad
          g_i = \max_{j \in \mathrm{pre}(i)} o_j \;(\text{OR}), \qquad g_i = 1 \;(\text{ungated}).$$

        ``log_u = -inf`` is a deficit of exactly 0 (a learned prerequisite: $o_j = 1$). Working in $\ln u$ keeps
        the gate exact where $u$ itself would underflow (with $a = 10^{-3}$, $o_j \approx 0.5$ at $u = 10^{-308}$
        and $o_j \approx 0.9$ only at $u = 10^{-1000}$), and ``expm1`` keeps its relative accuracy near $u = 1$,
        where $1 - u^a$ cancels. Gradients are finite everywhere, including ``log_u = -inf``.

        Examples:
            >>> import jax.numpy as jnp
            >>> graph = SkillGraph(("X1", "X2", "X3"), {"X3": AND("X1", "X2")}, a=1e-3)
            >>> graph.gate_values_from_log(jnp.array([-jnp.inf, -2000.0, 0.0])).round(3).tolist()
            [1.0, 1.0, 0.865]
        """
        open_ = -jnp.expm1(self.a * log_u)
        g = jnp.ones_like(open_)
        for i, kind, pre in self.index_spec():
            terms = open_[jnp.asarray(pre)]
            g = g.at[i].set(jnp.prod(terms) if kind in ("and", "chain") else jnp.max(terms))
        return g

    def gate_values(self, u):
        r"""Gate multipliers $g$ of shape ``(n,)`` from deficits ``u`` of shape ``(n,)`` ($u \ge 0$).

        The same gates as `gate_values_from_log` at ``log_u = ln(max(u, 0))``: AND/chain
        $\prod_j (1 - u_j^a)$, OR $\max_j (1 - u_j^a)$, 1 for ungated skills. A deficit $u \le 0$ is a learned
        prerequisite (open fraction 1); it can dip below 0 only through a non-identity $C$. Deficits that are
        already subnormal are read as 0 on backends that flush them (XLA on CPU); callers that can, should carry
        $\ln u$ and use `gate_values_from_log`.
        """
        safe = jnp.maximum(u, 0.0)
        positive = safe > 0
        # the inner where keeps log (and its gradient) finite at u = 0, where the gate is fully open
        log_u = jnp.where(positive, jnp.log(jnp.where(positive, safe, 1.0)), -jnp.inf)
        return self.gate_values_from_log(log_u)

    def describe(self) -> str:
        """Human-readable gates, e.g. ``"X3 <- AND(X1, X2)"``."""
        return "; ".join(f"{n} <- {g.kind.upper()}({', '.join(g.prerequisites)})" for n, g in self.gates)
