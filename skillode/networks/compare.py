r"""Theory against experiment: Resource-model learning times next to the ones measured in trained networks.

The single place where a network trajectory (dims ``([seed,] skill, t)``, from `skillode.networks.train`) meets
the Resource model:

1. `fit_learning_times` fits the model's ``eta`` and ``N0`` to the measured learning times themselves: least
   squares in $\log t$ through the closed form (``eta`` only scales time, so it is solved exactly for each
   ``N0`` and a one-dimensional search over ``N0`` remains);
2. `fit_to_network` instead fits ``eta`` and/or ``N0`` to the measured per-skill *curves* (all seeds jointly)
   with `skillode.fit.fit_resource`, least squares through ``ResourceModel.skill_levels``;
3. `compare_learning_times` puts the theory's learning times ``t_i`` (closed form where the model has one, its
   solved trajectory otherwise) next to the measured ones, summarised over runs (median and IQR), with absolute
   and relative errors; `rank_agreement` condenses it into a Spearman correlation and a median relative error;
4. `format_comparison` prints that table.

Measured and predicted times use the same definition (`skillode.learning_times`, first crossing of the skill
level ``threshold``); the network's skill level is its task's skill measure (``2·accuracy − 1`` for parities).
The measured side is a network trajectory (dims ``([run...,] skill, t)``) or learning times already extracted,
e.g. the ``learning_time`` of a `skillode.networks.TrainingSweep` (dims ``(run..., skill)``). Summaries over runs
treat a run that never learned a skill as later than any run that did (censored, not dropped): the median is
finite only when more than half of the runs learned the skill.

Which fit to use: on the quantization-model sparse parity (``examples/validation_at_scale.py``) the curve fit
matches the shape of the curves but not the plateau-then-jump of each skill, and predicts learning systematically
late; the time fit is exact in its own objective, two constants per network, and was the better predictor there.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import xarray as xr
from scipy import optimize as _optimize
from scipy import stats as _stats

from .._validate import check_int
from ..fit import ResourceFit, fit_resource
from ..resource import ResourceModel
from ..timing import Threshold, as_threshold, learning_times
from ..trajectory import SKILL, TIME, validate_trajectory

__all__ = [
    "LearningTimeFit",
    "fit_learning_times",
    "fit_to_network",
    "measured_learning_times",
    "median_learning_times",
    "theory_learning_times",
    "compare_learning_times",
    "rank_agreement",
    "format_comparison",
]


def fit_to_network(
    ds: xr.Dataset, template: ResourceModel, *, params=("eta", "N0"), solver="discrete", **options
) -> ResourceFit:
    """Fit `template`'s ``params`` to a network trajectory's ``skill_level`` (every seed jointly).

    Thin by design: it checks that the skills match and calls `skillode.fit.fit_resource`, which does the work.
    ``options`` go to `fit_resource` (``starts``, ``max_steps``, ``throw`` …).
    """
    validate_trajectory(ds)
    if ds.sizes[SKILL] != template.n:
        raise ValueError(f"the network has {ds.sizes[SKILL]} skills but the Resource model has {template.n}")
    return fit_resource(ds, template, params=tuple(params), solver=solver, **options)


def theory_learning_times(theory, threshold: float | Threshold = 0.9, *, t_max: float | None = None) -> np.ndarray:
    """Learning times ``(n,)`` of a model (closed form where available) or of a theory trajectory.

    One call of `skillode.learning_times`; ``t_max`` applies to a model without a closed form.
    """
    kwargs = {} if isinstance(theory, xr.Dataset) else {"t_max": t_max}
    return np.asarray(learning_times(theory, threshold, **kwargs).values, dtype=np.float64)


def measured_learning_times(measured, threshold: float | Threshold = 0.9) -> xr.DataArray:
    """Learning times ``(run..., skill)`` of a network trajectory, or `measured` itself if it holds them already.

    `measured` is a trajectory Dataset (``skill_level`` … over ``t``; the crossing of `threshold`), a Dataset
    with a ``learning_time`` variable (a `skillode.networks.TrainingSweep` result: its times were tracked during
    training at that sweep's threshold, so `threshold` must be the same), or a DataArray of times with a ``skill``
    dim. NaN means never learned.
    """
    threshold = as_threshold(threshold)
    if isinstance(measured, xr.Dataset) and "learning_time" in measured and TIME not in measured.dims:
        level, on = measured.attrs.get("threshold"), measured.attrs.get("threshold_on", threshold.on)
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


class LearningTimeFit(eqx.Module):
    r"""The result of `fit_learning_times` (immutable).

    - `model`: the template with the fitted ``eta`` and ``N0``.
    - `params`: ``{"eta": ..., "N0": ...}``.
    - `rms_log`: root-mean-square of $\ln(t^{\rm model}_i / t^{\rm measured}_i)$ over the fitted skills.
    - `fitted`: boolean ``(n,)``, the skills whose median measured time entered the fit.
    - `at_bound`: True if ``N0`` ended on a bound of its search range (widen `N0_range` or read it as a limit).
    - `threshold`: the `skillode.Threshold` both sides use.
    """

    model: eqx.Module
    params: dict
    rms_log: float
    fitted: np.ndarray
    at_bound: bool
    threshold: Threshold

    def __getitem__(self, name: str) -> float:
        return self.params[name]

    def predict(self) -> np.ndarray:
        """The fitted model's learning times ``(n,)`` (closed form where it has one)."""
        return theory_learning_times(self.model, self.threshold)


def fit_learning_times(
    measured,
    template: ResourceModel,
    *,
    threshold: float | Threshold = 0.9,
    N0_range: tuple[float, float] = (1e-6, 1e3),
    n_grid: int = 91,
) -> LearningTimeFit:
    r"""Fit a Resource model's ``eta`` and ``N0`` to measured learning times: least squares in $\log t$.

    $$
    \min_{\eta, N_0} \sum_{i \in F} \Big(\ln t_i(\eta, N_0) - \ln \hat t_i\Big)^2, \qquad
    t_i(\eta, N_0) = \frac{T_i(N_0)}{\eta}
    $$

    where $\hat t_i$ is the median measured time over runs (`median_learning_times`), $F$ the skills with a
    finite median, and $T_i$ the model's learning time at $\eta = 1$ (time only scales with $1/\eta$ in the
    Resource model, so $\ln\eta = \overline{\ln T_i(N_0) - \ln \hat t_i}$ exactly for each $N_0$). $\ln N_0$
    is then found by a scan of `n_grid` points over `N0_range` and a bounded scalar refinement around the best.
    Log residuals weigh every skill by its *relative* error, the quantity compared afterwards, and keep the
    rare, late skills from dominating.

    **Arguments:** `measured` as in `measured_learning_times` (trajectory, sweep result or times); `template` a
    `skillode.ResourceModel` with the network's ``p`` (its ``eta``/``N0`` are replaced; its ``loss_kind``, ``C``
    and ``l0`` are kept); `threshold` the learning-time definition of both sides.

    **Returns:** a `LearningTimeFit`. Raises ``ValueError`` if fewer than three skills have a finite median.
    """
    if not isinstance(template, ResourceModel):
        raise ValueError(f"template must be a ResourceModel, got {type(template).__name__}")
    threshold = as_threshold(threshold)
    target = median_learning_times(measured, threshold)
    if target.shape != (template.n,):
        raise ValueError(f"the measurement has {target.shape[0]} skills but the Resource model has {template.n}")
    lo, hi = (float(v) for v in N0_range)
    if not (0.0 < lo < hi and np.isfinite(hi)):
        raise ValueError(f"N0_range must be (low, high) with 0 < low < high < inf, got {N0_range}")
    n_grid = check_int(n_grid, "n_grid", 3)
    fitted = np.isfinite(target) & (target > 0)
    if fitted.sum() < 3:
        raise ValueError(f"only {int(fitted.sum())} skills were learned in more than half of the runs; need >= 3")
    log_target = np.log(target[fitted])

    def with_rates(eta, N0):
        return eqx.tree_at(lambda m: (m.eta, m.N0), template, (jnp.float64(eta), jnp.float64(N0)))

    def unit_times(log_N0):
        return theory_learning_times(with_rates(1.0, np.exp(log_N0)), threshold)[fitted]

    def profile(log_N0):  # -> (sum of squares, log eta): t = T / eta, so log eta = mean(log T - log t)
        log_T = np.log(unit_times(log_N0))
        log_eta = float(np.mean(log_T - log_target))
        return float(np.sum((log_T - log_eta - log_target) ** 2)), log_eta

    grid = np.linspace(np.log(lo), np.log(hi), n_grid)
    cost = np.array([profile(g)[0] for g in grid])
    if not np.all(np.isfinite(cost)):
        raise RuntimeError(f"the model's learning times are not finite for N0 = {np.exp(grid[~np.isfinite(cost)])}")
    k = int(np.argmin(cost))
    bracket = (grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)])
    res = _optimize.minimize_scalar(lambda g: profile(g)[0], bounds=bracket, method="bounded",
                                    options={"xatol": 1e-6})
    best = float(res.x) if res.success and res.fun <= cost[k] else float(grid[k])
    sse, log_eta = profile(best)
    eta, N0 = float(np.exp(log_eta)), float(np.exp(best))
    return LearningTimeFit(model=with_rates(eta, N0), params={"eta": eta, "N0": N0},
                           rms_log=float(np.sqrt(sse / fitted.sum())), fitted=fitted,
                           at_bound=bool(k in (0, len(grid) - 1)), threshold=threshold)


def compare_learning_times(
    measured: xr.Dataset, theory, *, threshold: float | Threshold = 0.9, t_max: float | None = None
) -> xr.Dataset:
    """Predicted vs measured learning times per skill.

    **Arguments:**

    - `measured`: a network trajectory, dims ``([run...,] skill, t)``, or learning times (see
      `measured_learning_times`).
    - `theory`: a `ResourceModel` (its `learning_times`) or a theory trajectory Dataset with the same skills.
    - `threshold`: a `skillode.Threshold` (or a skill level) defining "learned" for both.

    **Returns:** Dataset over ``skill`` with ``predicted``, ``median``, ``q1``, ``q3`` (over runs; a run that
    never learned the skill counts as later than all that did, NaN where the quantile falls among those),
    ``n_learned`` (runs that learned the skill), ``abs_error = median − predicted`` and
    ``rel_error = abs_error / predicted``. Times in steps.
    """
    threshold = as_threshold(threshold)
    measured_t = measured_learning_times(measured, threshold)
    values = _runs_by_skill(measured_t)
    predicted = theory_learning_times(theory, threshold, t_max=t_max)
    if predicted.shape != (values.shape[1],):
        raise ValueError(f"the theory has {predicted.shape[0]} skills but the measurement has {values.shape[1]}")
    q1, med, q3 = _censored_percentiles(values, [25, 50, 75])
    out = xr.Dataset(
        {
            "predicted": (SKILL, predicted),
            "median": (SKILL, med),
            "q1": (SKILL, q1),
            "q3": (SKILL, q3),
            "n_learned": (SKILL, np.isfinite(values).sum(0)),
            "abs_error": (SKILL, med - predicted),
            "rel_error": (SKILL, (med - predicted) / predicted),
        },
        coords={SKILL: measured_t[SKILL].values},
        attrs={**threshold.attrs(), "n_runs": values.shape[0]},
    )
    if "skill_name" in getattr(measured, "coords", {}):
        out = out.assign_coords(skill_name=(SKILL, measured["skill_name"].values))
    return out


def rank_agreement(table: xr.Dataset) -> dict[str, float]:
    """Spearman rank correlation of predicted vs median measured times and the median |relative error|.

    Only skills with a finite median (learned by more than half of the runs) and a finite prediction count;
    returns also their number.
    """
    ok = np.isfinite(table["predicted"].values) & np.isfinite(table["median"].values)
    if ok.sum() < 3:
        return {"spearman": float("nan"), "median_abs_rel_error": float("nan"), "n_skills": int(ok.sum())}
    rho = _stats.spearmanr(table["predicted"].values[ok], table["median"].values[ok]).statistic
    return {
        "spearman": float(rho),
        "median_abs_rel_error": float(np.median(np.abs(table["rel_error"].values[ok]))),
        "n_skills": int(ok.sum()),
    }


def format_comparison(table: xr.Dataset, paper: dict | None = None) -> str:
    """The comparison as a text table; `paper` optionally maps skill -> the paper's measured time."""
    names = table["skill_name"].values if "skill_name" in table.coords else table[SKILL].values
    head = f"{'skill':>14} | {'theory':>7} | {'measured median [IQR]':>24} | {'learned':>7} | {'rel err':>7}"
    if paper:
        head += " | paper"
    lines = [f"learning time = first step with skill level >= {table.attrs['threshold']}", head]
    for i, name in enumerate(names):
        r = {k: float(table[k].values[i]) for k in ("predicted", "median", "q1", "q3", "rel_error")}
        line = (
            f"{str(name):>14} | {r['predicted']:7.0f} | {r['median']:8.0f} [{r['q1']:6.0f}, {r['q3']:6.0f}] | "
            f"{int(table['n_learned'].values[i]):3d}/{table.attrs['n_runs']:<3d} | {r['rel_error']:+7.1%}"
        )
        if paper:
            skill = table[SKILL].values[i]
            line += f" | {paper.get(skill, paper.get(str(name), '')):}"
        lines.append(line)
    return "\n".join(lines)

