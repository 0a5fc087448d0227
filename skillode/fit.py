r"""Fit the Resource model to measurement: its parameters to skill curves, or to learning times.

**To curves.** Given a measured trajectory ``s_i(t)`` (a Geometry-model simulation, a trained network, …)
and a `ResourceModel` template, `fit_resource` finds the parameters ``theta`` (``N0``, optionally ``eta``) that
minimise

    sum_{runs, i, t} ( y_i^model(t; theta) - y_i^data(t) )^2

in the space the data were measured in: ``y`` is the skill level, the per-skill loss, or the accuracy (``var``;
a loss is compared with the model's loss, never with its skill level), by Levenberg–Marquardt (or Gauss–Newton)
*through the solver*: the model's states are differentiated with JAX, so no grid over ``N0`` is needed. Positive
parameters are optimised as ``log theta``. The paper instead picked
the best ``N0`` from the grid ``10^linspace(-4, 2, 601)`` (arXiv:2501.12391, Figs. 6–7); both minimise the same
objective.

**To learning times.** `fit_learning_times` fits ``eta`` and ``N0`` to the measured learning times themselves:
least squares in $\log t$ through the closed form (``eta`` only scales time, so it is solved exactly for each
``N0``, and the profile over ``N0`` is scanned over all of $[0, \infty]$: the model's times are affine in ``N0``,
so both ends are closed forms; a minimum at ``N0 -> inf``, where only ``N0/eta`` is identified, is reported as
that limit with a one-sided profile bound on ``N0``, never as a number at a search bound). Its data are the
median learning times over runs (`median_learning_times`, read by `measured_learning_times` from a trajectory, a
sweep result or times); a run that never learned a skill counts as later than any run that did (censored, not
dropped), so the median is finite only when more than half of the runs learned the skill.

The scaling statistics (power laws, the Chinchilla form and its published values) live in `skillode.scaling`;
their old names here (``fit_power_law``, ``PowerLawFit``, ``fit_chinchilla``, ``ChinchillaFit``,
``CHINCHILLA_PARAMS``) are re-exports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import optimistix as optx
import xarray as xr
from scipy import optimize as _optimize
from scipy import stats as _stats

from ._validate import check_choice, check_int, check_level, check_scalar
from .resource import ResourceModel
from .scaling import CHINCHILLA_PARAMS as CHINCHILLA_PARAMS
from .scaling import ChinchillaFit as ChinchillaFit
from .scaling import PowerLawFit as PowerLawFit
from .scaling import fit_chinchilla as fit_chinchilla
from .scaling import fit_power_law as fit_power_law
from .solvers import AbstractSolver
from .timing import Threshold, as_threshold, learning_times
from .trajectory import SKILL, TIME, validate_trajectory

__all__ = [
    "FITTABLE",
    "FIT_VARIABLES",
    "LearningTimeFit",
    "ResourceFit",
    "fit_learning_times",
    "fit_resource",
    "measured_learning_times",
    "median_learning_times",
]

FITTABLE = ("N0", "eta")


class ResourceFit(eqx.Module):
    """The result of `fit_resource` (immutable).

    - `model`: the template `ResourceModel` with the fitted parameters substituted.
    - `params`: ``{name: fitted value}``.
    - `rms`: root-mean-square residual over the fitted points.
    - `r2`: coefficient of determination ``1 - SS_res / SS_tot`` (``SS_tot`` about the data mean).
    - `converged`: whether the least-squares solver reported success.
    - `num_steps`: solver iterations used (of the best start).
    - `n_points`: number of data points fitted (NaNs are skipped).
    - `solver`: the Resource-model solver used inside the fit (a `skillode.solvers` object).
    - `var`: the variable fitted (``"skill_level"``, ``"skill_loss"`` or ``"accuracy"``).
    """

    model: eqx.Module
    params: dict
    rms: float
    r2: float
    converged: bool
    num_steps: int
    n_points: int
    solver: AbstractSolver
    var: str = "skill_level"

    def __getitem__(self, name: str) -> float:
        return self.params[name]

    def predict(self, ts) -> xr.Dataset:
        """The fitted model's trajectory Dataset at times ``ts`` (solved with the fit's solver)."""
        return self.model.solve(np.asarray(ts, dtype=np.float64), self.solver)


def _data_array(ds, var: str) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(ds, xr.Dataset):
        validate_trajectory(ds)
        if var not in ds:
            raise ValueError(f"the trajectory has no variable {var!r} (has {sorted(ds.data_vars)})")
        da = ds[var]
    elif isinstance(ds, xr.DataArray):
        da = ds
    else:
        raise ValueError(f"ds must be a trajectory xarray.Dataset or DataArray, got {type(ds).__name__}")
    if da.dims[-2:] != (SKILL, TIME):
        raise ValueError(f"{var!r} must end with dims ('skill', 't'), got {da.dims}")
    return np.asarray(da[TIME].values, dtype=np.float64), np.asarray(da.values, dtype=np.float64)


FIT_VARIABLES = ("skill_level", "skill_loss", "accuracy")
"""The trajectory variables `fit_resource` can model: skill levels, per-skill losses, accuracies."""


def _observe(model, l, var: str, loss0: float, chance: float):
    """The model's value of ``var`` at state ``l`` (shape of ``l``): what the data measured, in its own space."""
    if var == "skill_loss":
        loss = model.skill_loss_of(l)
        return loss0 * loss if model.loss_kind == "mse" else loss
    s = model.skill_level_of(l)
    return chance + (1.0 - chance) * s if var == "accuracy" else s


def _fit_variable(ds, var, model) -> tuple[str, float, float]:
    """``(var, loss0, chance)``: the variable to fit (default: the one the data measured) and its conversion."""
    attrs = ds.attrs if isinstance(ds, (xr.Dataset, xr.DataArray)) else {}
    if var is None:
        measured = attrs.get("measured")
        named = ds.name if isinstance(ds, xr.DataArray) else None
        var = measured if measured in FIT_VARIABLES else ("skill_level" if named is None else named)
    if var not in FIT_VARIABLES:
        raise ValueError(f"fit_resource compares the model with one of {FIT_VARIABLES}; it has no model of {var!r} "
                         f"(the variable named by var=..., or by the DataArray's name)")
    loss0, chance = float(attrs.get("loss0", 1.0)), 0.0  # static arguments of the compiled fit: never NaN
    if var == "skill_loss":
        recorded = str(attrs.get("loss_kind", "none"))
        if recorded != "none" and recorded != model.loss_kind:
            raise ValueError(f"the data's losses are {recorded!r} losses but the template's loss_kind is "
                             f"{model.loss_kind!r}; fit them with a ResourceModel(loss_kind={recorded!r}, ...)")
        if not (np.isfinite(loss0) and loss0 > 0):
            raise ValueError(f"the data's loss0 (MSE loss of an unlearned skill) must be > 0, got {loss0}")
    if var == "accuracy":
        chance = float(attrs.get("chance", float("nan")))
        if not 0.0 < chance < 1.0:
            raise ValueError("fitting accuracies needs the accuracy of guessing, attrs['chance'] in (0, 1): "
                             "skillode.from_curves(..., kind='accuracy', chance=...) records it")
    return var, loss0, chance


@eqx.filter_jit
def _least_squares(y0, template, data, mask, ts, names, observed, model_solver, solver, max_steps):
    ts = np.asarray(ts)  # static: the discrete map needs concrete integer steps
    var, loss0, chance = observed  # static

    def residuals(y, args):
        template, data, mask = args
        model = eqx.tree_at(lambda m: [getattr(m, k) for k in names], template, [jnp.exp(y[k]) for k in names])
        pred = _observe(model, model.states(ts, model_solver), var, loss0, chance)
        return jnp.where(mask, pred - jnp.where(mask, data, 0.0), 0.0)

    sol = optx.least_squares(residuals, solver, y0, args=(template, data, mask), max_steps=max_steps, throw=False)
    r = residuals(sol.value, (template, data, mask))
    return sol.value, sol.result == optx.RESULTS.successful, sol.stats["num_steps"], jnp.sum(r**2)


def fit_resource(
    ds,
    model,
    *,
    params: Sequence[str] = ("N0",),
    solver="discrete",
    var: str | None = None,
    init: Mapping[str, float] | None = None,
    starts: Sequence[float] | None = None,
    least_squares: str = "levenberg_marquardt",
    rtol: float = 1e-8,
    atol: float = 1e-10,
    max_steps: int = 200,
    throw: bool = True,
) -> ResourceFit:
    r"""Fit Resource-model parameters to a measured trajectory by least squares through the solver.

    **Arguments:**

    - `ds`: a trajectory Dataset (or a DataArray) whose `var` has dims ``(*runs, skill, t)``; all runs (e.g.
      seeds) are fitted jointly with one parameter set. NaNs are ignored.
    - `model`: a `skillode.ResourceModel` template. Its ``p``, ``C``, ``loss`` … are kept; its values of the
      fitted parameters are the starting point (unless `init`/`starts` say otherwise).
    - `params`: names to fit, a subset of ``("N0", "eta")``; both are positive and fitted as logarithms.
    - `solver`: the Resource-model solver, a `skillode.solvers` object or name (default ``"discrete"``, the
      paper's map `skillode.DiscreteMap`, which needs integer times; `Exact()` / `Diffrax()` take any times).
    - `var`: the variable compared, in its own space: ``"skill_level"`` (the model's $s_i$), ``"skill_loss"`` (its
      per-skill loss: $\ell_0 l_i^2$ for MSE, $\log(1 + e^{-l_i})$ for CE, with ``loss0`` $= \ell_0$ from the
      data's ``attrs``, default 1; the template's ``loss_kind`` must be the data's) or ``"accuracy"`` (the
      accuracy proxy $a_0 + (1 - a_0) s_i$, with the chance level $a_0$ from the data's ``attrs["chance"]``).
      Default: the variable the data measured (``attrs["measured"]``, set by `skillode.from_curves`), else
      ``"skill_level"``. Any other variable is refused: the model has no prediction for it.
    - `init`: starting values ``{name: value > 0}`` overriding the template's.
    - `starts`: several starting values of ``N0`` (multi-start; the lowest residual wins). Default: the template's
      (or `init`'s) ``N0`` only, or ``(1e-3, 1e-1)`` if that is 0.
    - `least_squares`: ``"levenberg_marquardt"`` or ``"gauss_newton"`` (optimistix).
    - `rtol`, `atol`, `max_steps`: solver tolerances and iteration cap.
    - `throw`: raise ``RuntimeError`` when no start converges (default); otherwise return with
      ``converged=False``.

    **Returns:** a `ResourceFit`.

    Examples:
        >>> import skillode as sk
        >>> p = sk.zipf(5)
        >>> truth = sk.ResourceModel(p=p, eta=0.02, N0=0.03).solve(np.arange(0.0, 601.0, 10.0), "discrete")
        >>> fit = fit_resource(truth, sk.ResourceModel(p=p, eta=0.02, N0=0.3))  # N0 from 0.3 back to 0.03
        >>> round(fit["N0"], 6), fit.converged
        (0.03, True)
    """
    params = tuple(params)
    if not params or any(k not in FITTABLE for k in params) or len(set(params)) != len(params):
        raise ValueError(f"params must be distinct names from {FITTABLE}, got {params}")
    check_choice(least_squares, "least_squares", ("levenberg_marquardt", "gauss_newton"))
    max_steps = check_int(max_steps, "max_steps")
    model_solver = model.numeric_solver(solver)
    var, loss0, chance = _fit_variable(ds, var, model)
    t, data = _data_array(ds, var)
    if data.shape[-2] != model.n:
        raise ValueError(f"the data has {data.shape[-2]} skills but the model has {model.n}")
    if model_solver.integer_steps and not np.all(t == np.round(t)):
        raise ValueError(f"{type(model_solver).__name__}() needs integer times (optimizer steps) in the data")
    if not model_solver.traceable:
        raise ValueError(f"fit_resource differentiates through the solver; {type(model_solver).__name__}() cannot")
    mask = np.isfinite(data)
    n_points = int(mask.sum())
    if n_points < len(params) + 1:
        raise ValueError(f"need more finite data points than fitted parameters, got {n_points}")

    start = {k: float(getattr(model, k)) for k in params}
    for k, v in (init or {}).items():
        if k not in params:
            raise ValueError(f"init names {k!r}, which is not a fitted parameter {params}")
        start[k] = float(v)
    if starts is not None:
        if "N0" not in params:
            raise ValueError("starts are starting values of N0, but N0 is not fitted")
        n0_starts = [float(v) for v in starts]
    elif "N0" in params and start["N0"] == 0.0:
        n0_starts = [1e-3, 1e-1]
    else:
        n0_starts = [start["N0"]] if "N0" in params else [None]
    for k in params:
        for v in n0_starts if k == "N0" else [start[k]]:
            check_scalar(v, f"starting value of {k} (fitted as log {k})", low=0.0, strict=True)

    lsq_class = optx.LevenbergMarquardt if least_squares == "levenberg_marquardt" else optx.GaussNewton
    lsq = lsq_class(rtol=rtol, atol=atol)
    ts = tuple(float(x) for x in t)
    data_j, mask_j = jnp.asarray(data), jnp.asarray(mask)
    best = None
    for n0 in n0_starts:
        y0 = {k: jnp.log(jnp.asarray(n0 if k == "N0" else start[k], dtype=jnp.float64)) for k in params}
        y, ok, steps, ss = _least_squares(y0, model, data_j, mask_j, ts, params, (var, loss0, chance), model_solver,
                                          lsq, max_steps)
        ss = float(ss)
        if np.isfinite(ss) and (best is None or (bool(ok), -ss) > (best[1], -best[3])):
            best = (y, bool(ok), int(steps), ss)
    if best is None:
        raise RuntimeError("fit_resource: the residual is not finite at any start; check the data and the template")
    y, ok, steps, ss = best
    if not ok and throw:
        raise RuntimeError(
            f"fit_resource did not converge in {max_steps} steps from N0 starts {n0_starts}; "
            "raise max_steps, change starts, or pass throw=False to inspect the last iterate"
        )
    values = {k: float(jnp.exp(y[k])) for k in params}
    fitted = eqx.tree_at(lambda m: [getattr(m, k) for k in params], model, [jnp.asarray(values[k]) for k in params])
    d = data[mask]
    ss_tot = float(np.sum((d - d.mean()) ** 2))
    return ResourceFit(
        model=fitted,
        params=values,
        rms=float(np.sqrt(ss / n_points)),
        r2=float(1.0 - ss / ss_tot) if ss_tot > 0 else float("nan"),
        converged=ok,
        num_steps=steps,
        n_points=n_points,
        solver=model_solver,
        var=var,
    )


# ----------------------------------------------------------------------------------------------------------------
# Learning times


def measured_learning_times(measured, threshold: float | Threshold = 0.9) -> xr.DataArray:
    """Learning times ``(run..., skill)`` of a network trajectory, or `measured` itself if it holds them already.

    `measured` is a trajectory Dataset (``skill_level`` … over ``t``; the crossing of `threshold`), a Dataset
    with a ``learning_time`` variable (a `skillode.networks.TrainingSweep` result: its times were tracked during
    training at that sweep's threshold, so `threshold` must be the same), or a DataArray of times with a ``skill``
    dim. NaN means never learned.
    """
    threshold = as_threshold(threshold)
    if isinstance(measured, xr.Dataset) and "learning_time" in measured and TIME not in measured.dims:
        recorded = Threshold.from_attrs(measured.attrs)  # the one attrs spelling (Threshold.attrs)
        level, on = (None, threshold.on) if recorded is None else (float(recorded.level), recorded.on)
        if (level is not None and float(level) != float(threshold.level)) or on != threshold.on:
            raise ValueError(f"the sweep tracked learning times at threshold {level} on {on!r}, not "
                             f"{float(threshold.level)} on {threshold.on!r}; keep its curves to use another one")
        measured = measured["learning_time"]
    if isinstance(measured, xr.DataArray):
        if SKILL not in measured.dims:
            raise ValueError(f"measured learning times need a {SKILL!r} dim, got dims {measured.dims}")
        return measured
    if isinstance(measured, xr.Dataset):
        return learning_times(measured, threshold)
    raise ValueError(f"measured must be an xarray Dataset or DataArray, got {type(measured).__name__}")


def _runs_by_skill(times: xr.DataArray) -> np.ndarray:
    runs = [d for d in times.dims if d != SKILL]
    return np.asarray(times.transpose(*runs, SKILL).values, np.float64).reshape(-1, times.sizes[SKILL])


def _censored_percentiles(values: np.ndarray, q) -> np.ndarray:
    """Percentiles over runs (axis 0) with never-learned runs (NaN) counted as later than every learned one;
    NaN where the percentile falls among the never-learned runs."""
    # A never-learned run is a huge finite time (not inf, whose interpolation weight 0 would give inf * 0 = NaN);
    # a percentile that touches one is far above any real time.
    late = np.finfo(np.float64).max / 4
    out = np.percentile(np.where(np.isfinite(values), values, late), q, axis=0)
    return np.where(out < late / 8, out, np.nan)


def median_learning_times(measured, threshold: float | Threshold = 0.9) -> np.ndarray:
    """Median learning time over runs per skill, shape ``(n,)``: censored runs count as later than any learned
    one, so the median is NaN when half of the runs or more never learned the skill (see the module docstring)."""
    return _censored_percentiles(_runs_by_skill(measured_learning_times(measured, threshold)), 50)


def _model_learning_times(model, threshold: Threshold) -> np.ndarray:
    """A model's learning times ``(n,)`` (closed form where it has one)."""
    return np.asarray(learning_times(model, threshold, t_max=None).values, dtype=np.float64)


class LearningTimeFit(eqx.Module):
    r"""The result of `fit_learning_times` (immutable).

    The Resource model's learning times are affine in ``N0`` at fixed ``eta`` (see `fit_learning_times`):

    $$ t_i = \frac{A_i + N_0\,\tau_i}{\eta}, $$

    so the fit's two constants can go to either end of $N_0 \in [0, \infty]$, and both ends are models:

    - ``N0 -> 0``: $t_i = A_i/\eta$ (no wasted resources), ``eta`` identified, ``N0 = 0``.
    - ``N0 -> inf``: $t_i = (N_0/\eta)\,\tau_i$ (independent skills; for MSE $\tau_i = \ln(l^0_i/\epsilon)/p_i$):
      only the time scale ``N0/eta`` is identified; ``params`` says ``N0 = eta = inf``.

    Fields:

    - `model`: the template with the fitted ``eta`` and ``N0``. In the ``N0 -> inf`` limit a ``ResourceModel``
      cannot hold ``N0 = inf``: `model` is then a *stand-in* with ``N0 = 1e12 max_i(A_i/tau_i)`` and
      ``eta = N0 / time_scale``, whose learning times equal the limit's to relative ``1e-12`` (a representation
      of the limit, not a fitted ``N0``; `predict` returns the limit's times exactly).
    - `params`: ``{"eta": ..., "N0": ...}`` (``inf, inf`` in the ``N0 -> inf`` limit; ``N0 = 0.0`` at the other).
    - `time_scale`: ``N0/eta`` [time], identified at every ``N0`` (0 at ``N0 = 0``).
    - `limit`: ``None`` (an interior minimum), ``"N0 -> 0"`` or ``"N0 -> inf"`` (the profile's minimum is that
      end of $[0, \infty]$).
    - `N0_interval`: ``(low, high)``, the profile confidence set of ``N0`` at `level` (its hull): the ``N0``
      whose profile sum of squares passes the F-test against the best, see `fit_learning_times`. ``high = inf``
      reads "N0 >= low at `level`", ``low = 0`` "N0 <= high".
    - `level`: the confidence level of `N0_interval`.
    - `profile`: ``(N0, sse)``, two arrays ``(G,)``: the profile sum of squares over the scan (both ends included
      for the default range: ``N0 = 0`` and ``inf``).
    - `rms_log`: root-mean-square of $\ln(t^{\rm model}_i / t^{\rm measured}_i)$ over the fitted skills.
    - `fitted`: boolean ``(n,)``, the skills whose median measured time entered the fit.
    - `at_bound`: True if ``N0`` ended on an end of its range: a limit above, or a bound of a given `N0_range`.
    - `base`, `tau`: ``(n,)``, $A_i$ and $\tau_i$ above (the template's times at ``eta = 1``: $A_i$ at
      ``N0 = 0``, $\tau_i$ the slope in ``N0``).
    - `threshold`: the `skillode.Threshold` both sides use.
    """

    model: eqx.Module
    params: dict
    time_scale: float
    limit: str | None
    N0_interval: tuple
    level: float
    profile: tuple
    rms_log: float
    fitted: np.ndarray
    at_bound: bool
    base: np.ndarray
    tau: np.ndarray
    threshold: Threshold

    def __getitem__(self, name: str) -> float:
        return self.params[name]

    def predict(self) -> np.ndarray:
        r"""The fitted model's learning times ``(n,)``: $(A_i + N_0\tau_i)/\eta$, or the limit's
        ``time_scale * tau`` exactly when ``N0 -> inf``."""
        if self.limit == "N0 -> inf":
            return self.time_scale * self.tau
        return (self.base + self.params["N0"] * self.tau) / self.params["eta"]


def _affine_in_N0(template: ResourceModel, threshold: Threshold) -> tuple[np.ndarray, np.ndarray]:
    r"""``(A, tau)``, shapes ``(n,)``: the template's learning times at ``eta = 1`` are ``A + N0 * tau``.

    In internal time $\tau$ ($d\tau/dt = \eta/(\sum_j c_j + N_0)$) the skills' dynamics do not involve ``eta``
    or ``N0``, so $t_i = (\int_0^{\tau_i}\sum_j c_j\,d\tau + N_0\tau_i)/\eta$: affine in ``N0``. ``A`` is read at
    ``N0 = 0``, ``tau`` as the slope to ``N0 = 1``, and the line is checked at ``N0 = 1000``.
    """
    def times(N0):
        m = eqx.tree_at(lambda m: (m.eta, m.N0), template, (jnp.float64(1.0), jnp.float64(N0)))
        return _model_learning_times(m, threshold)

    A, T1, T3 = times(0.0), times(1.0), times(1e3)
    tau = T1 - A
    if not np.allclose(T3, A + 1e3 * tau, rtol=1e-6, atol=0.0):
        raise RuntimeError("the template's learning times are not affine in N0 (t = (A + N0 tau) / eta); "
                           "fit_learning_times needs the Resource model's closed-form times")
    return A, tau


def _profile_sse(w, A, B, log_target):
    r"""Profile sum of squares and $\ln\eta'$ at mixing weights ``w`` (any shape ``S``): the model times
    $M_i(w) = (1 - w) A_i + w B_i$ over $\eta'$, with $\ln\eta' = \overline{\ln M_i - \ln\hat t_i}$ solved."""
    w = np.asarray(w, np.float64)[..., None]
    r = np.log((1.0 - w) * A + w * B) - log_target
    log_eta = r.mean(axis=-1)
    return np.sum((r - log_eta[..., None]) ** 2, axis=-1), log_eta


def fit_learning_times(
    measured,
    template: ResourceModel,
    *,
    threshold: float | Threshold = 0.9,
    N0_range: tuple[float, float] | None = None,
    n_grid: int = 201,
    level: float = 0.95,
) -> LearningTimeFit:
    r"""Fit a Resource model's ``eta`` and ``N0`` to measured learning times: least squares in $\log t$.

    $$
    \min_{\eta, N_0} \sum_{i \in F} \Big(\ln t_i(\eta, N_0) - \ln \hat t_i\Big)^2, \qquad
    t_i(\eta, N_0) = \frac{A_i + N_0\,\tau_i}{\eta}
    $$

    where $\hat t_i$ is the median measured time over runs (`median_learning_times`), $F$ the skills with a
    finite median (``m`` of them), and $A_i + N_0\tau_i$ the template's learning time at $\eta = 1$, affine in
    $N_0$ (the Resource model's internal time does not involve $\eta$ or $N_0$; for MSE,
    $\tau_i = \ln(l^0_i/\epsilon)/p_i$ and $A_i = \sum_j l^0_j(1 - (\epsilon/l^0_i)^{p_j/p_i})$,
    `skillode.closed_form.mse_learning_times`). ``eta`` only scales time, so it is solved exactly
    ($\ln\eta = \overline{\ln T_i - \ln\hat t_i}$) and the *profile* over $N_0$ remains. It is scanned over all
    of $N_0 \in [0, \infty]$ through $N_0 = \nu\,w/(1 - w)$, $w \in [0, 1]$, $\nu$ the geometric mean of
    $A_i/\tau_i$: up to a factor that $\eta$ absorbs, $T_i \propto (1 - w) A_i + w\,\nu\tau_i$, smooth on the
    closed interval, so both ends are evaluated exactly: $w = 0$ is $N_0 = 0$ ($t_i = A_i/\eta$), $w = 1$ the
    limit $N_0 \to \infty$ at fixed $N_0/\eta$ ($t_i = (N_0/\eta)\,\tau_i$, the independent skills). A scan of
    `n_grid` points and a bounded refinement around the best find the minimum; a minimum at an end is reported
    as that limit (`LearningTimeFit.limit`), never as a number at an arbitrary search bound. Log residuals weigh
    every skill by its *relative* error, the quantity compared afterwards.

    The profile confidence set of $N_0$ at `level` inverts the F-test of the profile sum of squares $S(N_0)$
    against the best, $\hat S$ (two constants, ``m - 2`` residual degrees of freedom):

    $$ \{N_0 : S(N_0) \le \hat S\,(1 + F_{1, m-2}(\text{level}) / (m - 2))\} $$

    reported as its hull ``N0_interval``; in the ``N0 -> inf`` limit its lower end is the one-sided bound
    "N0 >= low at `level`" (conservative: the two-sided test's set).

    **Arguments:** `measured` as in `measured_learning_times` (trajectory, sweep result or times); `template` a
    `skillode.ResourceModel` with the network's ``p`` (its ``eta``/``N0`` are replaced; its ``loss_kind``, ``C``
    and ``l0`` are kept); `threshold` the learning-time definition of both sides; `N0_range` ``(low, high)``
    with ``0 <= low < high <= inf`` restricts ``N0`` (default ``None``: all of $[0, \infty]$; a finite bound is a
    constraint, and an estimate on it sets ``at_bound`` without a ``limit``); `n_grid` >= 3 scan points;
    `level` in (0, 1) the confidence level of ``N0_interval``.

    **Returns:** a `LearningTimeFit`. Raises ``ValueError`` if fewer than three skills have a finite median, or if
    the template puts a fitted skill at time 0.

    Examples:
        >>> import skillode as sk, xarray as xr
        >>> model = sk.ResourceModel(p=sk.zipf(6), eta=0.5, N0=2.0)
        >>> times = xr.DataArray(model.learning_times(0.9).values[None], dims=("seed", "skill"))
        >>> fit = fit_learning_times(times, sk.ResourceModel(p=sk.zipf(6), eta=1.0, N0=0.1))
        >>> round(fit["N0"], 6), round(fit["eta"], 6), fit.limit
        (2.0, 0.5, None)
    """
    if not isinstance(template, ResourceModel):
        raise ValueError(f"template must be a ResourceModel, got {type(template).__name__}")
    threshold = as_threshold(threshold)
    target = median_learning_times(measured, threshold)
    if target.shape != (template.n,):
        raise ValueError(f"the measurement has {target.shape[0]} skills but the Resource model has {template.n}")
    if N0_range is None:
        lo, hi = 0.0, np.inf
    else:
        lo, hi = (float(v) for v in N0_range)
        if not (0.0 <= lo < hi and not np.isnan(hi)):
            raise ValueError(f"N0_range must be (low, high) with 0 <= low < high <= inf, got {N0_range}")
    n_grid = check_int(n_grid, "n_grid", 3)
    level = check_level(level, "level (confidence level of N0_interval)")
    fitted = np.isfinite(target) & (target > 0)
    m = int(fitted.sum())
    if m < 3:
        raise ValueError(f"only {m} skills were learned in more than half of the runs; need >= 3")
    log_target = np.log(target[fitted])
    A_all, tau_all = _affine_in_N0(template, threshold)
    A, tau = A_all[fitted], tau_all[fitted]
    if not (np.all(A > 0) and np.all(tau > 0)):
        raise ValueError("the template puts a fitted skill at or above the threshold at t = 0 (learning time 0); "
                         "a fit in log t cannot use it: check the template's l0 and the threshold")
    nu = float(np.exp(np.mean(np.log(A / tau))))  # N0 where the two terms balance for the typical skill
    B = nu * tau

    def w_of(N0):
        return 1.0 if np.isinf(N0) else N0 / (N0 + nu)

    def N0_of(w):
        return np.inf if w >= 1.0 else nu * w / (1.0 - w)

    w_lo, w_hi = w_of(lo), w_of(hi)

    def sse(w):
        return float(_profile_sse(w, A, B, log_target)[0])

    grid = np.linspace(w_lo, w_hi, n_grid)
    cost = _profile_sse(grid, A, B, log_target)[0]
    if not np.all(np.isfinite(cost)):
        raise RuntimeError(f"the profile is not finite at N0 = {[N0_of(w) for w in grid[~np.isfinite(cost)]]}")
    k = int(np.argmin(cost))
    bracket = (grid[max(k - 1, 0)], grid[min(k + 1, n_grid - 1)])
    res = _optimize.minimize_scalar(sse, bounds=bracket, method="bounded", options={"xatol": 1e-12})
    w_best = float(res.x) if res.success and res.fun < cost[k] else float(grid[k])
    sse_best, log_eta_w = _profile_sse(w_best, A, B, log_target)
    sse_best = float(sse_best)

    # Back from w to the model's constants: t_i = M_i(w) / eta' = (A_i + N0 tau_i) / eta with
    # N0 = nu w / (1 - w), eta = eta' / (1 - w); N0 / eta = nu w / eta' stays finite at w = 1.
    eta_w = float(np.exp(log_eta_w))
    time_scale = nu * w_best / eta_w
    at_bound = w_best in (w_lo, w_hi)
    limit = "N0 -> inf" if w_best == 1.0 else ("N0 -> 0" if w_best == 0.0 else None)
    if limit == "N0 -> inf":
        eta, N0 = np.inf, np.inf
        N0_model = 1e12 * float(np.max(A_all / np.where(tau_all > 0, tau_all, np.inf), initial=nu))
        model = eqx.tree_at(lambda m: (m.eta, m.N0), template,
                            (jnp.float64(N0_model / time_scale), jnp.float64(N0_model)))
    else:
        eta, N0 = eta_w / (1.0 - w_best), N0_of(w_best)
        model = eqx.tree_at(lambda m: (m.eta, m.N0), template, (jnp.float64(eta), jnp.float64(N0)))

    # The profile confidence set {S(w) <= S_best (1 + F / (m - 2))}: its hull, each end found by brentq on the
    # first / last scan cell that crosses the level (the best point is inserted into the scan).
    cut = sse_best * (1.0 + float(_stats.f.ppf(level, 1, m - 2)) / (m - 2))
    ws = np.append(grid, w_best)
    order = np.argsort(ws, kind="stable")
    ws, cs = ws[order], np.append(cost, sse_best)[order]
    inside = np.flatnonzero(cs <= cut)
    j0, j1 = int(inside[0]), int(inside[-1])

    def crossing(a, b):
        return float(_optimize.brentq(lambda w: sse(w) - cut, a, b, xtol=1e-14, rtol=1e-12))

    w_low = ws[j0] if j0 == 0 else crossing(ws[j0 - 1], ws[j0])
    w_high = ws[j1] if j1 == len(ws) - 1 else crossing(ws[j1], ws[j1 + 1])
    return LearningTimeFit(
        model=model, params={"eta": float(eta), "N0": float(N0)}, time_scale=float(time_scale), limit=limit,
        N0_interval=(float(N0_of(w_low)), float(N0_of(w_high))), level=level,
        profile=(np.array([N0_of(w) for w in grid]), cost), rms_log=float(np.sqrt(sse_best / m)), fitted=fitted,
        at_bound=bool(at_bound), base=A_all, tau=tau_all, threshold=threshold)
