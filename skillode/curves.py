r"""Your own training run in: per-skill curves logged anywhere become a skillode trajectory.

A run trained outside skillode (PyTorch, JAX, a cluster job) logs, at some optimizer steps, one number per skill:
its loss, its accuracy, or a skill level. `from_curves` turns such an array into the trajectory format every
skillode fit, learning time and plot reads (`skillode.trajectory`); `read_curves` does the same for a table (a
`pandas.DataFrame`, a CSV or a Parquet file), long ("tidy": one row per step and skill) or wide (one column per
skill). Several runs (seeds) become a leading run axis.

**Conversions** (the Resource model's own conventions, `skillode.ResourceModel`). The model's skill level $s$ is
what it learns; the data's variable is converted to it and the conversion is recorded in ``attrs``:

| ``kind`` | ``loss_kind`` | skill level | per-skill loss |
| --- | --- | --- | --- |
| ``"loss"`` | ``"ce"`` | $s = e^{-\ell}$ (the probability of the right answer; 1/m at chance for m classes) | $\ell$ |
| ``"loss"`` | ``"mse"`` | $s = 1 - \sqrt{\ell/\ell_0}$ (the remaining deficit $\sqrt{\ell/\ell_0}$) | $\ell$ |
| ``"skill_level"`` | either | the values | the inverse of the row above, if ``loss_kind`` is given |
| ``"accuracy"`` | — | $s = (a - a_0)/(1 - a_0)$ (0 at chance $a_0$, 1 when every answer is right) | — |

$\ell_0$ (``loss0``, default 1) is the MSE loss of a skill not learned at all: the model's deficit starts at 1, so
its per-skill loss starts at 1; pass the loss your network starts from (e.g. the targets' mean square) otherwise.
The MSE conversion reads the deficit as $\geq 0$ (a loss cannot tell an overshoot from an undershoot).

Examples:
    >>> import numpy as np, skillode as sk
    >>> steps = np.array([0, 100, 200])
    >>> losses = np.array([[0.69, 0.69], [0.05, 0.6], [0.01, 0.3]])  # (steps, skills), cross-entropy
    >>> traj = sk.from_curves(losses, steps, kind="loss", loss_kind="ce")
    >>> traj.skill_level.dims, traj.skill_level.values[0].round(3)
    (('skill', 't'), array([0.502, 0.951, 0.99 ]))
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from ._validate import LOSS_KINDS, check_choice, check_scalar, is_concrete
from .frequencies import as_frequencies
from .trajectory import SKILL, TIME, make_trajectory

__all__ = [
    "KINDS",
    "accuracy_from_skill_level",
    "from_curves",
    "read_curves",
    "skill_level_from_accuracy",
    "skill_level_from_loss",
    "skill_loss_from_level",
]

KINDS = ("loss", "skill_level", "accuracy")
"""What the logged values are (``kind``): a per-skill loss, a skill level, or a per-skill accuracy."""

MEASURED = {"loss": "skill_loss", "skill_level": "skill_level", "accuracy": "accuracy"}
"""The trajectory variable that holds the logged values themselves, by ``kind`` (``attrs["measured"]``)."""

_AXES = ("run", "step", "skill")


# ----------------------------------------------------------------------------------------------------------------
# Conversions


def skill_level_from_loss(loss, loss_kind: str, *, loss0: float = 1.0):
    r"""The skill level of a per-skill loss: CE $s = e^{-\ell}$; MSE $s = 1 - \sqrt{\ell / \ell_0}$.

    `loss` any shape (NumPy or JAX), ``>= 0`` (NaN passes through: a value not logged); `loss0` the MSE loss of an
    unlearned skill (ignored for CE). Same shape out.
    """
    check_choice(loss_kind, "loss_kind", LOSS_KINDS)
    _check_range(loss, "loss")
    xp = _namespace(loss)
    if loss_kind == "ce":
        return xp.exp(-loss)
    return 1.0 - xp.sqrt(loss / check_scalar(loss0, "loss0 (MSE loss of an unlearned skill)", low=0.0, strict=True))


def skill_loss_from_level(level, loss_kind: str, *, loss0: float = 1.0):
    r"""The per-skill loss of a skill level (the inverse of `skill_level_from_loss`): CE $\ell = -\ln s$ (needs
    $s > 0$); MSE $\ell = \ell_0 (1 - s)^2$."""
    check_choice(loss_kind, "loss_kind", LOSS_KINDS)
    xp = _namespace(level)
    if loss_kind == "ce":
        return -xp.log(level)
    return check_scalar(loss0, "loss0 (MSE loss of an unlearned skill)", low=0.0, strict=True) * (1.0 - level) ** 2


def skill_level_from_accuracy(accuracy, chance: float):
    r"""The skill level of an accuracy: $s = (a - a_0)/(1 - a_0)$, with $a_0$ = `chance` in $(0, 1)$
    (1/2 for a binary task, 1/m for m classes); `accuracy` in $[0, 1]$ (NaN passes through). Same shape out."""
    chance = _check_chance(chance)
    _check_range(accuracy, "accuracy")
    return (accuracy - chance) / (1.0 - chance)


def accuracy_from_skill_level(level, chance: float):
    r"""The accuracy of a skill level (the inverse of `skill_level_from_accuracy`): $a = a_0 + (1 - a_0) s$."""
    chance = _check_chance(chance)
    return chance + (1.0 - chance) * level


def _check_chance(chance) -> float:
    if chance is None:
        raise ValueError("chance (the accuracy of guessing: 1/2 for a binary task, 1/m for m classes) is needed to "
                         "convert accuracies to skill levels; pass chance= in (0, 1)")
    v = check_scalar(chance, "chance (accuracy of guessing)", low=0.0, strict=True)
    if not v < 1.0:
        raise ValueError(f"chance (accuracy of guessing) must lie in (0, 1), got {chance!r}")
    return v


#: the values a logged kind can take (NaN aside: a value not logged), and the rule in words
_RANGES = {"loss": (0.0, np.inf, "a loss >= 0"), "accuracy": (0.0, 1.0, "an accuracy in [0, 1]")}


def _out_of_range(v: np.ndarray, kind: str) -> np.ndarray:
    """Mask of the entries of `v` outside `kind`'s range (NaN is not outside); all False for a kind without one."""
    if kind not in _RANGES:
        return np.zeros(np.shape(v), bool)
    low, high, _ = _RANGES[kind]
    with np.errstate(invalid="ignore"):
        return (v < low) | (v > high)


def _check_range(x, kind: str) -> None:
    """Refuse a `kind` ("loss" / "accuracy") value out of its range; traced JAX values cannot be inspected and pass."""
    if not is_concrete(x):
        return
    v = np.asarray(x, dtype=float)
    bad = _out_of_range(v, kind)
    if bad.any():
        raise ValueError(f"{kind}: each value must be {_RANGES[kind][2]}; {int(bad.sum())} value(s) are not "
                         f"(the first {v[bad].flat[0]:g})")


def _namespace(x):
    import jax

    return jax.numpy if isinstance(x, jax.Array) else np


# ----------------------------------------------------------------------------------------------------------------
# Arrays in


def _parse_layout(layout, ndim: int) -> tuple[str, ...] | None:
    if layout is None:
        return None
    names = tuple(layout) if not isinstance(layout, str) else tuple(w for w in re.split(r"[\s,x×]+", layout) if w)
    allowed = _AXES if ndim == 3 else ("step", "skill")
    if len(names) != ndim or sorted(names) != sorted(allowed):
        raise ValueError(f"layout must name each axis of the {ndim}-D values once, from {allowed} (e.g. "
                         f"{'run,step,skill' if ndim == 3 else 'step,skill'}), got {layout!r}")
    return names


def _layout(values: np.ndarray, n_steps: int, layout) -> tuple[str, ...]:
    if values.ndim not in (2, 3):
        raise ValueError(f"values must be 2-D (steps and skills) or 3-D (runs, steps and skills), got shape "
                         f"{values.shape}")
    names = _parse_layout(layout, values.ndim)
    if names is not None:
        return names
    if values.ndim == 3:
        raise ValueError(f"3-D values {values.shape}: say which axis is which, e.g. layout='run,step,skill'")
    match = [k for k in range(2) if values.shape[k] == n_steps]
    if len(match) == 2:
        raise ValueError(f"values has shape {values.shape} and there are {n_steps} steps: both axes could be the "
                         "steps; say which, layout='step,skill' or layout='skill,step'")
    if not match:
        raise ValueError(f"values has shape {values.shape} but there are {n_steps} steps: no axis has that length")
    return ("step", "skill") if match[0] == 0 else ("skill", "step")


def _check_steps(steps) -> np.ndarray:
    t = np.asarray(steps, dtype=np.float64)
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"steps must be a non-empty 1-D array of optimizer steps, got shape {t.shape}")
    if not np.all(np.isfinite(t)):
        raise ValueError(f"steps must be finite; entry {int(np.argmin(np.isfinite(t)))} is {t[~np.isfinite(t)][0]}")
    if t[0] < 0:
        raise ValueError(f"steps must be >= 0, got {t[0]:g} first")
    d = np.diff(t)
    if np.any(d <= 0):
        k = int(np.argmax(d <= 0)) + 1
        what = "repeated" if d[k - 1] == 0 else "decreasing"
        raise ValueError(f"steps must be strictly increasing: step {t[k]:g} at index {k} is {what}")
    return t


def _check_values(v: np.ndarray, kind: str, run_dim: str) -> None:
    """v: (runs, skills, steps)."""
    if np.any(np.isinf(v)):
        raise ValueError(f"values must be finite or NaN (not logged); {int(np.isinf(v).sum())} entries are infinite")
    for r in range(v.shape[0]):
        if np.all(np.isnan(v[r])):
            raise ValueError(f"{run_dim} {r} has only NaN values")
    empty = np.all(np.isnan(v), axis=(0, 2))
    if empty.any():
        raise ValueError(f"skill {int(np.argmax(empty)) + 1} (position {int(np.argmax(empty))}) has only NaN values")
    _check_range(v, kind)


def from_curves(
    values,
    steps,
    *,
    kind: str = "loss",
    loss_kind: str | None = None,
    layout: str | Sequence[str] | None = None,
    skills: Sequence | None = None,
    p=None,
    runs: Sequence | None = None,
    run_dim: str = "run",
    chance: float | None = None,
    loss0: float = 1.0,
    attrs: Mapping | None = None,
) -> xr.Dataset:
    r"""A trajectory from per-skill curves logged during training (see the module docstring for conversions).

    **Arguments:**

    - `values`: the logged numbers, 2-D (steps and skills) or 3-D (runs, steps and skills); NaN where a value was
      not logged. Which axis is which: `layout`.
    - `steps`: the optimizer steps of the log, shape ``(T,)``, ``>= 0``, strictly increasing.
    - `kind`: what the values are, one of ``"loss"``, ``"skill_level"``, ``"accuracy"``.
    - `loss_kind`: ``"ce"`` or ``"mse"``: needed for ``kind="loss"`` (the conversion depends on it); for
      ``kind="skill_level"`` it adds the per-skill loss; recorded in ``attrs`` for the fits.
    - `layout`: the axes' order, e.g. ``"step,skill"``, ``"skill,step"``, ``"run,step,skill"`` (a string or a
      sequence of the names). ``None`` (2-D only) takes the axis of length ``T`` as the steps and refuses to guess
      when both axes have that length; 3-D values need it.
    - `skills`: skill names, shape ``(n,)``, stored as the ``skill_name`` coordinate (the ``skill`` coordinate stays
      ``1..n``, as in every skillode trajectory).
    - `p`: skill frequencies, shape ``(n,)`` summing to 1 (a `ResourceModel` template needs them), or a mapping
      ``{skill name: frequency}``; stored as the ``p`` coordinate.
    - `runs`, `run_dim`: labels and name of the run axis of 3-D values (default ``0..R-1`` and ``"run"``).
    - `chance`: for ``kind="accuracy"``, the accuracy of guessing in $(0, 1)$.
    - `loss0`: the MSE loss of an unlearned skill (default 1, the model's convention).
    - `attrs`: more ``attrs`` to record (e.g. the run's name).

    **Returns:** a trajectory Dataset with dims ``([run_dim,] skill, t)``: ``skill_level`` always, ``skill_loss``
    where the loss is known, ``accuracy`` for accuracies; ``attrs`` record ``kind``, ``measured`` (the variable
    holding the logged values), ``loss_kind``, ``conversion``, ``chance``, ``loss0``.
    """
    check_choice(kind, "kind", KINDS)
    if loss_kind is not None:
        check_choice(loss_kind, "loss_kind", LOSS_KINDS)
    if kind == "loss" and loss_kind is None:
        raise ValueError("kind='loss' needs loss_kind='ce' or 'mse': the skill level of a loss depends on it")
    if kind == "accuracy":
        chance = _check_chance(chance)
    elif chance is not None:
        raise ValueError(f"chance is for kind='accuracy' only, got kind={kind!r}")
    loss0 = check_scalar(loss0, "loss0 (MSE loss of an unlearned skill)", low=0.0, strict=True)
    if not isinstance(run_dim, str) or run_dim in (SKILL, TIME, "p", "skill_name", ""):
        raise ValueError(f"run_dim must be a name other than 'skill', 't', 'p', 'skill_name', got {run_dim!r}")
    t = _check_steps(steps)
    try:
        v = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"values must be numeric, got {type(values).__name__}") from err
    names = _layout(v, t.size, layout)
    if v.shape[names.index("step")] != t.size:
        raise ValueError(f"values has {v.shape[names.index('step')]} entries along its step axis "
                         f"(layout {','.join(names)}) but steps has {t.size}")
    has_runs = "run" in names
    v = np.transpose(v, [names.index(a) for a in (("run",) if has_runs else ()) + ("skill", "step")])
    v3 = v if has_runs else v[None]
    _check_values(v3, kind, run_dim)
    n = v3.shape[1]
    if skills is not None:
        skills = np.asarray(skills)
        if skills.shape != (n,):
            raise ValueError(f"skills must name the {n} skills, got shape {skills.shape}")
        if len(set(skills.tolist())) != n:
            raise ValueError("skills must be distinct names")
    if p is not None:
        if isinstance(p, Mapping):
            if skills is None:
                raise ValueError("p as a mapping {skill name: frequency} needs skills= (the names)")
            missing = [s for s in skills.tolist() if s not in p]
            if missing:
                raise ValueError(f"p has no frequency for skills {missing}")
            p = [p[s] for s in skills.tolist()]
        p = as_frequencies(p)
        if p.shape != (n,):
            raise ValueError(f"p (skill frequencies) must have shape ({n},) for {n} skills, got {p.shape}")
    sweep = None
    if has_runs:
        labels = np.arange(v.shape[0]) if runs is None else np.asarray(runs)
        if labels.shape != (v.shape[0],):
            raise ValueError(f"runs must label the {v.shape[0]} runs, got shape {labels.shape}")
        sweep = {run_dim: labels}
    elif runs is not None:
        raise ValueError("runs= labels a run axis, but the values have none (2-D)")

    chance_note = ""
    if kind == "loss":
        level = skill_level_from_loss(v, loss_kind, loss0=loss0)
        loss = v
        conversion = ("skill_level = exp(-skill_loss)" if loss_kind == "ce"
                      else "skill_level = 1 - sqrt(skill_loss / loss0)")
    elif kind == "skill_level":
        level = v
        loss = None if loss_kind is None else skill_loss_from_level(v, loss_kind, loss0=loss0)
        conversion = "none (skill levels logged)" + ("" if loss is None else (
            "; skill_loss = -log(skill_level)" if loss_kind == "ce" else "; skill_loss = loss0 (1 - skill_level)^2"))
    else:
        level = skill_level_from_accuracy(v, chance)
        loss = None
        conversion = "skill_level = (accuracy - chance) / (1 - chance)"
        chance_note = f" (chance {chance:g})"
    extra = None
    if kind == "accuracy":
        extra = {"accuracy": ((*((run_dim,) if has_runs else ()), SKILL, TIME), v)}
    return make_trajectory(
        t, level, skill_loss=loss, p=p, skill_name=None if skills is None else skills.astype(str), sweep=sweep,
        extra=extra,
        attrs={**(attrs or {}), "source": "curves", "kind": kind, "measured": MEASURED[kind],
               "loss_kind": "none" if loss_kind is None else loss_kind, "conversion": conversion + chance_note,
               "chance": float("nan") if chance is None else chance, "loss0": loss0},
    )


# ----------------------------------------------------------------------------------------------------------------
# Tables in


def _read_table(source):
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return source, "the table"
    path = Path(source)
    if not path.is_file():
        raise ValueError(f"no table file at {str(path)!r}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            return pd.read_csv(path), str(path)
        except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as err:
            raise ValueError(f"{path} is not a readable CSV table: {err}") from None
    if suffix in (".parquet", ".pq"):
        try:
            return pd.read_parquet(path), str(path)
        except ImportError:
            raise ValueError("reading Parquet needs pyarrow (pip install pyarrow); or write the table as CSV") from None
        except Exception as err:  # pyarrow raises its own error types
            raise ValueError(f"{path} is not a readable Parquet table: {err}") from None
    raise ValueError(f"the table file must end in .csv, .parquet or .pq, got {str(path)!r}")


def _numeric_column(df, column: str, where: str) -> np.ndarray:
    import pandas as pd

    if not pd.api.types.is_numeric_dtype(df[column]) or pd.api.types.is_bool_dtype(df[column]):
        bad = df[column][pd.to_numeric(df[column], errors="coerce").isna() & df[column].notna()]
        example = f" (e.g. {bad.iloc[0]!r} in row {bad.index[0]})" if len(bad) else ""
        raise ValueError(f"column {column!r} of {where} must be numeric{example}")
    return df[column].to_numpy(np.float64)


def read_curves(
    source,
    *,
    kind: str = "loss",
    loss_kind: str | None = None,
    step: str = "step",
    skill: str | None = None,
    value: str = "value",
    run: str | None = None,
    p=None,
    chance: float | None = None,
    loss0: float = 1.0,
    attrs: Mapping | None = None,
) -> xr.Dataset:
    """A trajectory from a table of per-skill curves: a `pandas.DataFrame`, or a ``.csv`` / ``.parquet`` file.

    Two shapes of table are read:

    - **long** ("tidy"; chosen when `skill` names a column): one row per (run,) step and skill, with the columns
      `step`, `skill`, `value` and, for several runs, `run`. No other column is allowed.
    - **wide** (`skill=None`): a `step` column, a `run` column for several runs, and one numeric column per skill
      (its name is the skill's name).

    Every run must have logged every skill at the same steps, once: a missing or duplicated (run, step, skill)
    row, a run whose values are all NaN, a non-numeric value column, a negative loss or an accuracy outside
    $[0, 1]$ is refused with the column (and the first offending row) named. The runs become a leading axis named
    after the `run` column; the rest is `from_curves` (`kind`, `loss_kind`, `p`, `chance`, `loss0`, `attrs`).
    """
    import pandas as pd

    df, where = _read_table(source)
    if df.empty:
        raise ValueError(f"{where} has no rows")
    columns = [str(c) for c in df.columns]
    if len(set(columns)) != len(columns):
        raise ValueError(f"{where} has repeated column names: {columns}")
    df = df.rename(columns=str)
    for name, col in (("step", step), ("run", run)):
        if col is not None and col not in df.columns:
            raise ValueError(f"{where} has no {name} column {col!r} (columns: {columns}); pass {name}=")
    if run is not None and df[run].isna().any():
        raise ValueError(f"column {run!r} (runs) of {where} has missing labels in rows "
                         f"{df.index[df[run].isna()].tolist()[:5]}")
    steps_col = _numeric_column(df, step, where)
    if not np.all(np.isfinite(steps_col)):
        raise ValueError(f"column {step!r} (steps) of {where} has missing or non-finite entries in rows "
                         f"{df.index[~np.isfinite(steps_col)].tolist()[:5]}")
    keys = [run] if run is not None else []
    if skill is not None:  # long table
        for name, col in (("skill", skill), ("value", value)):
            if col not in df.columns:
                raise ValueError(f"{where} has no {name} column {col!r} (columns: {columns}); pass {name}= "
                                 "(or skill=None for a wide table with one column per skill)")
        unknown = [c for c in df.columns if c not in {step, skill, value, *keys}]
        if unknown:
            raise ValueError(f"{where} has unknown columns {unknown}: a long table has the columns {step!r}, "
                             f"{skill!r}, {value!r}{'' if run is None else f', {run!r}'} (pass run= for a run column)")
        _numeric_column(df, value, where)
        dup = df.duplicated([*keys, step, skill], keep=False)
        if dup.any():
            first = df[dup].iloc[0]
            raise ValueError(f"{where} has duplicated rows for ({', '.join([*keys, step, skill])}) = "
                             f"{tuple(first[[*keys, step, skill]].tolist())} (rows {df.index[dup].tolist()[:5]})")
        wide = df.pivot(index=[*keys, step], columns=skill, values=value)
        names = list(pd.unique(df[skill]))
        wide = wide[names]
        value_cols = names
    else:  # wide table
        value_cols = [c for c in df.columns if c not in {step, *keys}]
        if not value_cols:
            raise ValueError(f"{where} has no skill columns (only {columns}); a wide table has one column per skill")
        for c in value_cols:
            _numeric_column(df, c, where)
        dup = df.duplicated([*keys, step], keep=False)
        if dup.any():
            first = df[dup].iloc[0]
            raise ValueError(f"{where} has duplicated steps: ({', '.join([*keys, step])}) = "
                             f"{tuple(first[[*keys, step]].tolist())} appears in rows {df.index[dup].tolist()[:5]}")
        wide = df.set_index([*keys, step])[value_cols]
        names = value_cols
    # every run at the same steps, every skill present
    all_steps = np.unique(wide.index.get_level_values(step).to_numpy(np.float64))
    if skill is not None:
        counts = df.groupby([*keys, skill], sort=False)[step].nunique()
        short = counts[counts < all_steps.size]
        if len(short):
            key = tuple(x.item() if isinstance(x, np.generic) else x
                        for x in (short.index[0] if keys else (short.index[0],)))
            rows = df[skill] == key[-1]
            if keys:
                rows &= df[run] == key[0]
            lacks = np.setdiff1d(all_steps, df.loc[rows, step].to_numpy(np.float64))
            who = f"skill {key[-1]!r}" + (f" of run {key[0]!r}" if keys else "")
            raise ValueError(f"{who} (column {skill!r}) of {where} is missing steps {lacks[:5].tolist()}"
                             f"{' …' if lacks.size > 5 else ''}")
    if run is not None:
        labels, blocks = [x.item() if isinstance(x, np.generic) else x for x in pd.unique(df[run])], []
        for label in labels:
            block = wide.xs(label, level=run).sort_index()
            if block.shape[0] != all_steps.size:
                missing = np.setdiff1d(all_steps, block.index.to_numpy(np.float64))
                raise ValueError(f"run {label!r} (column {run!r}) of {where} is missing steps "
                                 f"{missing[:5].tolist()}{' …' if missing.size > 5 else ''}")
            if block.isna().all().all():
                raise ValueError(f"run {label!r} (column {run!r}) of {where} has only NaN values")
            blocks.append(block.to_numpy(np.float64))
        values = np.stack(blocks)
    else:
        labels, values = None, wide.sort_index().to_numpy(np.float64)
    _check_table_values(values, names, kind, where, value if skill is not None else None)
    return from_curves(values, all_steps, kind=kind, loss_kind=loss_kind,
                       layout=("run", "step", "skill") if run is not None else ("step", "skill"),
                       skills=np.asarray([str(s) for s in names]), p=p, runs=labels, run_dim=run or "run",
                       chance=chance, loss0=loss0, attrs={**(attrs or {}), "table": where})


def _check_table_values(values: np.ndarray, names, kind: str, where: str, value_column: str | None) -> None:
    """Name the column of the first bad value (values: ``([runs,] steps, skills)``)."""
    bad = np.isinf(values) | _out_of_range(values, kind)
    rule = _RANGES[kind][2] if kind in _RANGES else "finite or missing"
    if bad.any():
        k = np.argwhere(bad)[0]
        skill = names[k[-1]]
        col = f"column {value_column!r} (skill {skill!r})" if value_column else f"column {skill!r}"
        raise ValueError(f"{col} of {where} must hold {rule}; {int(bad.sum())} values do not "
                         f"(the first is {values[tuple(k)]:g})")
    empty = np.all(np.isnan(values), axis=tuple(range(values.ndim - 1)))
    if empty.any():
        skill = names[int(np.argmax(empty))]
        col = f"column {value_column!r} (skill {skill!r})" if value_column else f"column {skill!r}"
        raise ValueError(f"{col} of {where} has only missing values")
