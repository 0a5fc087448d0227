r"""Solvers of the Resource model as small immutable objects (diffrax's solver pattern).

A solver maps a `skillode.ResourceModel` and times ``ts`` (shape ``(T,)``) to the model's state ``l(t)``, shape
``(n, T)`` (MSE deficits or CE logits):

| solver | what it computes | applies to |
|---|---|---|
| `Exact()` | the tau-time closed form, to round-off | gate-free MSE, symmetric PSD $C$; gate-free CE, $C = I$ |
| `Diffrax(...)` | the ODE by diffrax (Kvaerno5: implicit, L-stable as $N_0 \to 0$) | any model |
| `Scipy(...)` | `scipy.integrate.solve_ivp` (LSODA) with a JAX Jacobian, on the host | any model, no ``jit`` |
| `DiscreteMap(...)` | the paper's map: Euler, $dt = 1$, MSE deficits clipped at 0 | any model, integer steps |

Strings are a documented shorthand for the default object of each: ``"exact"``, ``"diffrax"``, ``"scipy"``,
``"discrete"`` (`SOLVERS`, `as_solver`). `default_solver` picks `Exact()` where it applies and `Diffrax()`
otherwise. Every solver checks its result: one that fails raises with the reason instead of returning garbage.

Examples:
    >>> import numpy as np, skillode as sk
    >>> model = sk.ResourceModel(p=sk.zipf(3), eta=0.02, N0=0.01)
    >>> ts = np.linspace(0.0, 300.0, 4)
    >>> exact = model.states(ts, sk.Exact())
    >>> float(np.abs(exact - model.states(ts, sk.Diffrax(rtol=1e-10, atol=1e-12))).max()) < 1e-8
    True
"""

from __future__ import annotations

import abc
import dataclasses
from typing import ClassVar

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import scipy.integrate

from ._discrete import discrete_map
from ._exact import exact_states, exact_supported
from ._validate import check_choice, check_int, check_scalar, is_concrete

__all__ = [
    "AbstractSolver",
    "Exact",
    "Diffrax",
    "Scipy",
    "DiscreteMap",
    "SOLVERS",
    "as_solver",
    "default_solver",
    "solver_or_method",
]


class AbstractSolver(eqx.Module):
    """A way of computing a Resource model's state at given times."""

    traceable: ClassVar[bool] = True
    """Whether `states` runs under ``jit`` / ``vmap`` (False for host-side solvers)."""
    integer_steps: ClassVar[bool] = False
    """Whether times must be integer optimizer steps (the discrete map)."""

    @abc.abstractmethod
    def states(self, model, ts) -> jax.Array:
        """The state ``l(t)``, shape ``(n, T)``, of ``model`` at times ``ts`` (shape ``(T,)``, sorted, ``>= 0``)."""

    def check(self, model) -> None:
        """Raise ``ValueError`` if this solver does not apply to ``model`` (called before any work)."""

    def attrs(self) -> dict:
        """Name and settings as netCDF-safe ``attrs``."""
        out = {"solver": type(self).__name__}
        for field in dataclasses.fields(self):
            k, v = field.name, getattr(self, field.name)
            if isinstance(v, (bool, int, float, str)):
                out[f"solver_{k}"] = int(v) if isinstance(v, bool) else v
            elif isinstance(v, diffrax.AbstractSolver):
                out[f"solver_{k}"] = type(v).__name__
        return out


class Exact(AbstractSolver):
    r"""The tau-time closed form of the gate-free Resource model, exact to round-off.

    With $d\tau/dt = \eta/(\sum_j c_j + N_0)$ the MSE model is linear, $l(\tau) = e^{-\tau C \mathrm{diag}(p)} l^0$,
    and $t(\tau)$ is increasing and concave; it is inverted per requested time (a table start, one Halley step, a
    checked Newton correction), and differentiates through the implicit-function theorem. Gated models, a
    non-symmetric or indefinite $C$, and CE with $C \ne I$ raise a ``ValueError`` that says why and what to use.
    """

    def check(self, model) -> None:
        reason = exact_supported(model)
        if reason is not None:
            raise ValueError(f"skillode.Exact() does not apply to this model: {reason}")

    def states(self, model, ts):
        return exact_states(model, ts)


class Diffrax(AbstractSolver):
    """The ODE $dl/dt = f(l)$ integrated by diffrax with a PID step-size controller.

    **Arguments (keyword-only):** `rtol` and `atol` ($> 0$) of the PID controller; `solver` a diffrax solver
    (default `diffrax.Kvaerno5()`, implicit and L-stable: the stiffness that appears as $N_0 \\to 0$, decay rates
    $\\eta p_i / N_0$, costs no tiny steps); `max_steps` ($\\ge 1$). At $N_0 = 0$ the field has a finite-time end
    (every skill learned, $\\sum_j c_j = 0$): an event stops there and holds the final state.
    """

    rtol: float = eqx.field(static=True, default=1e-10)
    atol: float = eqx.field(static=True, default=1e-12)
    solver: diffrax.AbstractSolver = eqx.field(static=True, default_factory=diffrax.Kvaerno5)
    max_steps: int = eqx.field(static=True, default=100_000)

    def __check_init__(self):
        check_scalar(self.rtol, "rtol", low=0.0, strict=True)
        check_scalar(self.atol, "atol", low=0.0, strict=True)
        check_int(self.max_steps, "max_steps")
        if not isinstance(self.solver, diffrax.AbstractSolver):
            raise ValueError(f"solver must be a diffrax solver, e.g. diffrax.Kvaerno5(), got {self.solver!r}")

    def states(self, model, ts):
        try:
            return _diffrax_kernel(model, jnp.asarray(ts, dtype=jnp.float64), self)
        except eqx.EquinoxRuntimeError as err:  # raised at run time: a concrete solve (traced ones: `failure`)
            raise self.failure(err) from None

    def failure(self, err: Exception) -> RuntimeError:
        """The one-paragraph error that replaces Equinox's runtime error ``err`` of a failed diffrax solve.

        Callers that run `states` inside their own ``jit`` (a sweep) catch ``equinox.EquinoxRuntimeError`` and
        raise this.
        """
        text = str(err)
        setting = f"skillode.Diffrax(max_steps={self.max_steps}, rtol={self.rtol:g}, atol={self.atol:g})"
        if "maximum number of solver steps" in text:
            return RuntimeError(
                f"{setting} used all max_steps = {self.max_steps} steps before the last requested time: raise "
                f"max_steps (e.g. Diffrax(max_steps={10 * self.max_steps})), loosen rtol / atol, request an earlier "
                "last time, or use skillode.Exact() where it applies (gate-free models)")
        if "non-finite" in text:
            return RuntimeError(f"{setting}: the solve produced non-finite values (an unstable model or solver)")
        lines = [ln for ln in text.splitlines() if ln.startswith("equinox.EquinoxRuntimeError: ")]
        reason = lines[-1].split(": ", 1)[1] if lines else text.splitlines()[0] if text else type(err).__name__
        return RuntimeError(f"{setting}: the solve failed: {reason}")


@eqx.filter_jit
def _diffrax_kernel(model, ts, cfg: Diffrax):
    scale = jnp.sum(model.competitiveness(model.l0)) + model.N0
    exhausted = diffrax.Event(lambda t, y, args, **kw: jnp.sum(model.competitiveness(y)) + model.N0 <= 1e-12 * scale)
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(model.vector_field),
        cfg.solver,
        t0=0.0,
        t1=jnp.maximum(ts[-1], 1e-12),
        dt0=None,
        y0=model.l0,
        saveat=diffrax.SaveAt(ts=ts, t1=True),
        stepsize_controller=diffrax.PIDController(rtol=cfg.rtol, atol=cfg.atol),
        max_steps=cfg.max_steps,
        event=exhausted,
        throw=True,
    )
    # Saved rows: the ts reached before the end, then the final state, then inf for ts after an event.
    n_saved = jnp.sum(jnp.isfinite(sol.ts)) - 1
    ys = jnp.where((jnp.arange(ts.shape[0]) < n_saved)[:, None], sol.ys[:-1], sol.ys[n_saved])
    ys = eqx.error_if(ys, ~jnp.all(jnp.isfinite(ys)), "skillode.Diffrax(): the solve produced non-finite values")
    return ys.T


class Scipy(AbstractSolver):
    """``scipy.integrate.solve_ivp`` on the host, with the exact Jacobian from JAX (jitted once per model structure).

    **Arguments (keyword-only):** `method` one of ``"LSODA"`` (default), ``"Radau"``, ``"BDF"``, ``"RK45"``,
    ``"DOP853"``; `rtol`, `atol` $> 0$. Not traceable: no ``jit``/``vmap``/``grad`` through it.
    """

    method: str = eqx.field(static=True, default="LSODA")
    rtol: float = eqx.field(static=True, default=1e-10)
    atol: float = eqx.field(static=True, default=1e-12)

    traceable: ClassVar[bool] = False
    METHODS: ClassVar[tuple[str, ...]] = ("LSODA", "Radau", "BDF", "RK45", "DOP853")

    def __check_init__(self):
        check_choice(self.method, "method", self.METHODS)
        check_scalar(self.rtol, "rtol", low=0.0, strict=True)
        check_scalar(self.atol, "atol", low=0.0, strict=True)

    def states(self, model, ts):
        if not (is_concrete(ts) and is_concrete(model.p)):
            raise ValueError("skillode.Scipy() runs on the host and cannot be traced (jit/vmap); use Diffrax()")
        ts_np = np.asarray(ts, dtype=np.float64)
        sol = scipy.integrate.solve_ivp(
            lambda t, y: np.asarray(_field(model, t, y)),
            (0.0, max(float(ts_np[-1]), 1e-12)),
            np.asarray(model.l0),
            method=self.method,
            t_eval=ts_np,
            rtol=self.rtol,
            atol=self.atol,
            jac=lambda t, y: np.asarray(_field_jacobian(model, y)),
        )
        if not sol.success:
            raise RuntimeError(f"skillode.Scipy(method={self.method!r}): solve_ivp failed: {sol.message}")
        if sol.y.shape[1] != ts_np.size or not np.all(np.isfinite(sol.y)):
            raise RuntimeError(f"skillode.Scipy(method={self.method!r}): incomplete or non-finite output")
        return jnp.asarray(sol.y)


@jax.jit  # the model is an argument (a pytree), so a new model of the same structure reuses the compiled code
def _field(model, t, l):
    return model.vector_field(t, l)


@jax.jit
def _field_jacobian(model, l):
    return jax.jacfwd(lambda y: model.vector_field(0.0, y))(l)


class DiscreteMap(AbstractSolver):
    r"""The paper's discrete map: $l \leftarrow \max(l + f(l), 0)$, Euler with $dt = 1$, as the paper's figures use.

    **Arguments (keyword-only):** `clip` — clip MSE deficits at 0 (``None``, the default, means True for MSE;
    the CE map of logits is never clipped, and ``clip=True`` with CE raises). Times must be integer steps; the
    map runs ``max(ts)`` steps (static: a new horizon compiles anew, new times within it do not).
    """

    clip: bool | None = eqx.field(static=True, default=None)

    integer_steps: ClassVar[bool] = True

    def __check_init__(self):
        if self.clip is not None and not isinstance(self.clip, bool):
            raise ValueError(f"clip must be True, False or None, got {self.clip!r}")

    def check(self, model) -> None:
        if self.clip and model.loss_kind == "ce":
            raise ValueError("DiscreteMap(clip=True) applies to MSE deficits only; CE logits are never clipped")

    def states(self, model, ts):
        self.check(model)
        if not is_concrete(ts):
            raise ValueError("skillode.DiscreteMap() needs concrete integer steps ts (not traced values)")
        ts_np = np.asarray(ts)
        if not np.all(ts_np == np.round(ts_np)):
            raise ValueError("skillode.DiscreteMap() needs integer steps ts (the paper's map has dt = 1)")
        clip = model.loss_kind == "mse" if self.clip is None else self.clip
        path = discrete_map(model, int(ts_np.max(initial=0)), bool(clip))
        return path[jnp.asarray(ts_np.astype(np.int64))].T


SOLVERS: dict[str, type[AbstractSolver]] = {"exact": Exact, "diffrax": Diffrax, "scipy": Scipy, "discrete": DiscreteMap}
"""The shorthand names: each maps to its solver's default object."""


def as_solver(solver) -> AbstractSolver:
    """A solver object from a solver object or one of the names in `SOLVERS`."""
    if isinstance(solver, AbstractSolver):
        return solver
    if isinstance(solver, str) and solver in SOLVERS:
        return SOLVERS[solver]()
    raise ValueError(
        f"solver must be a skillode solver (Exact(), Diffrax(...), Scipy(...), DiscreteMap(...)) or one of "
        f"{tuple(SOLVERS)}, got {solver!r}"
    )


def solver_or_method(solver=None, method: str | None = None):
    """``solver``, or the name given as ``method=`` (the documented shorthand); refuses both at once."""
    if method is None:
        return solver
    if solver is not None:
        raise ValueError("give solver= or method= (its shorthand), not both")
    return method


def default_solver(model) -> AbstractSolver:
    """`Exact()` where it applies to ``model``, else `Diffrax()`."""
    return Exact() if exact_supported(model) is None else Diffrax()
