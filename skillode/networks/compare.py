r"""Theory against experiment: Resource-model learning times next to the ones measured in trained networks.

The single place where a network trajectory (dims ``([seed,] skill, t)``, from `skillode.networks.train`) meets
the Resource model:

1. `skillode.fit.fit_learning_times` (re-exported here) fits the model's ``eta`` and ``N0`` to the measured
   learning times themselves: least squares in $\log t$ through the closed form;
2. `fit_to_network` instead fits ``eta`` and/or ``N0`` to the measured per-skill *curves* (all seeds jointly)
   with `skillode.fit.fit_resource`, least squares through ``ResourceModel.skill_levels``;
3. `compare_learning_times` puts the theory's learning times ``t_i`` (closed form where the model has one, its
   solved trajectory otherwise) next to the measured ones, summarised over runs (median and IQR), with absolute
   and relative errors; `rank_agreement` condenses it into a Spearman correlation and a median relative error;
4. `format_comparison` prints that table.

Measured and predicted times use the same definition (`skillode.learning_times`, first crossing of the skill
level ``threshold``); the network's skill level is its task's skill measure (``2·accuracy − 1`` for parities).
The measured side is a network trajectory (dims ``([run...,] skill, t)``) or learning times already extracted,
e.g. the ``learning_time`` of a `skillode.networks.TrainingSweep` (dims ``(run..., skill)``), read by
`skillode.fit.measured_learning_times` (re-exported here, with `skillode.fit.median_learning_times`). Summaries
over runs treat a run that never learned a skill as later than any run that did (censored, not dropped): the
median is finite only when more than half of the runs learned the skill.

Which fit to use: on the quantization-model sparse parity (``examples/validation_at_scale.py``) the curve fit
matches the shape of the curves but not the plateau-then-jump of each skill, and predicts learning systematically
late; the time fit is exact in its own objective, two constants per network, and was the better predictor there.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import stats as _stats

from ..fit import LearningTimeFit as LearningTimeFit
from ..fit import ResourceFit, _censored_percentiles, _runs_by_skill, fit_resource, measured_learning_times
from ..fit import fit_learning_times as fit_learning_times
from ..fit import median_learning_times as median_learning_times
from ..resource import ResourceModel
from ..timing import Threshold, as_threshold, learning_times
from ..trajectory import SKILL, validate_trajectory

__all__ = [
    "fit_to_network",
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
    returns also their number. Raises ``ValueError`` when fewer than three skills count: a rank correlation of two
    points is +-1 whatever the model, and says nothing (compare the times themselves, `format_comparison`).
    """
    ok = np.isfinite(table["predicted"].values) & np.isfinite(table["median"].values)
    if ok.sum() < 3:
        raise ValueError(f"rank_agreement needs at least 3 skills learned in more than half of the runs and "
                         f"predicted, got {int(ok.sum())} of {ok.size}: a rank correlation of fewer says nothing")
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

