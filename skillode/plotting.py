"""Figures in the paper's idiom: one viridis colour per skill, time in optimizer steps.

Every function takes the shared trajectory format (`skillode.trajectory`), so theory and experiment plot the same
way. Without an ``ax`` a new ``matplotlib.figure.Figure`` is made (no pyplot, no global backend change: it renders
with Agg, e.g. ``fig.savefig("x.png")``, and works in scripts, tests and notebooks alike).

Example:
    >>> import numpy as np, skillode as sk
    >>> ds = sk.ResourceModel(p=sk.zipf(10, 2.0), eta=0.019, N0=0.003).solve(np.linspace(0, 1000, 201))
    >>> ax = plot_trajectory(ds)
    >>> ax.figure.savefig("trajectory.png")  # doctest: +SKIP
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from .trajectory import SKILL, TIME, validate_trajectory

__all__ = [
    "skill_colors",
    "new_axes",
    "legend_outside",
    "plot_trajectory",
    "plot_learning_times",
    "plot_collapse",
]


def skill_colors(n: int, cmap: str = "viridis") -> np.ndarray:
    """``n`` colours from ``cmap``, one per skill (RGBA array of shape ``(n, 4)``), skill 1 first."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n (number of skills) must be an integer >= 1, got {n!r}")
    return mpl.colormaps[cmap](np.linspace(0.0, 0.9, n))


def new_axes(ncols: int = 1, nrows: int = 1, *, size: tuple[float, float] = (4.0, 3.0)):
    """A Figure (Agg canvas, no pyplot) with an ``nrows x ncols`` grid of axes; returns ``(fig, axes)``."""
    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes if axes.size > 1 else axes[0, 0]


def legend_outside(target, *, title: str | None = None, handles=None, labels=None, ncols: int = 1, **kwargs):
    """A legend to the right of the data, never over it; returns the Legend.

    ``target`` is an Axes (legend of its labelled artists, placed just outside its right edge) or a Figure (one
    legend for all axes, outside the grid on the right; pass ``handles``/``labels`` or it collects them from every
    axes, each label once). With the constrained layout of `new_axes` the plots shrink to make room.
    """
    kwargs.setdefault("fontsize", "x-small")
    kwargs.setdefault("title_fontsize", "small")
    kwargs.setdefault("frameon", False)
    if isinstance(target, Figure):
        if handles is None:
            seen: dict[str, object] = {}
            for ax in target.axes:
                for h, lab in zip(*ax.get_legend_handles_labels()):
                    seen.setdefault(lab, h)
            labels, handles = list(seen), list(seen.values())
        return target.legend(handles, labels, loc="outside right upper", title=title, ncols=ncols, **kwargs)
    args = () if handles is None else ((handles,) if labels is None else (handles, labels))
    return target.legend(*args, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, title=title,
                         ncols=ncols, **kwargs)


def _single_point(da: xr.DataArray, keep: tuple[str, ...], what: str) -> xr.DataArray:
    extra = [d for d in da.dims if d not in keep]
    if extra:
        sizes = {d: da.sizes[d] for d in extra}
        raise ValueError(
            f"{what} needs dims {keep}; this data also has sweep dims {sizes}. Select one point first, "
            f"e.g. ds.isel({', '.join(f'{d}=0' for d in extra)}) or ds.sel(...)"
        )
    return da.transpose(*keep)


def _labels(da: xr.DataArray) -> list[str]:
    skills = da[SKILL].values
    if "p" in da.coords and da["p"].dims == (SKILL,):
        return [f"{s} (p={p:.3g})" for s, p in zip(skills, da["p"].values)]
    return [str(s) for s in skills]


def plot_trajectory(
    ds: xr.Dataset,
    ax=None,
    var: str = "skill_level",
    *,
    cmap: str = "viridis",
    legend: bool = True,
    logx: bool = False,
    **line_kwargs,
):
    """Plot one variable of a trajectory against steps: one line per skill (or one line for ``loss``).

    **Arguments:**

    - `ds`: a trajectory Dataset with dims ``(skill, t)`` (select a sweep point first).
    - `ax`: matplotlib Axes; a new Figure if None.
    - `var`: ``"skill_level"`` (default), ``"skill_loss"``, ``"loss"`` or any variable with dims ``(skill, t)``
      or ``(t,)``.
    - `cmap`: colormap for the skills; `legend`: label skills (legend outside the axes); `logx`: log time axis.

    **Returns:** the Axes.
    """
    validate_trajectory(ds)
    if var not in ds:
        raise ValueError(f"variable {var!r} is not in the trajectory; it has {list(ds.data_vars)}")
    if ax is None:
        _, ax = new_axes()
    da = ds[var]
    t = ds[TIME].values
    if SKILL in da.dims:
        da = _single_point(da, (SKILL, TIME), "plot_trajectory")
        colors = skill_colors(da.sizes[SKILL], cmap)
        for row, color, label in zip(da.values, colors, _labels(da)):
            ax.plot(t, row, color=color, label=label, **line_kwargs)
        if legend and da.sizes[SKILL] <= 12:
            legend_outside(ax, title="skill")
    else:
        da = _single_point(da, (TIME,), "plot_trajectory")
        ax.plot(t, da.values, color="k", **line_kwargs)
        ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel("steps")
    ax.set_ylabel(var.replace("_", " "))
    return ax


def plot_learning_times(
    times: xr.DataArray,
    ax=None,
    *,
    x: str | None = None,
    reference=None,
    cmap: str = "viridis",
    logx: bool = False,
    logy: bool = False,
):
    """Plot learning times (the output of `skillode.learning_times` or `Sweep.learning_times`).

    **Arguments:**

    - `times`: DataArray with dims ``(skill,)`` (drawn against the skill index) or ``(x, skill)`` (one line per
      skill against the sweep axis ``x``).
    - `x`: the sweep axis for 2-D input (default: its only non-skill dim).
    - `reference`: optional values of shape ``(n,)`` (1-D input only), drawn as open markers, e.g. the paper's.
    - `cmap`, `logx`, `logy`: colours and axis scales.

    **Returns:** the Axes. Skills never learned (NaN) are left out of the lines.
    """
    if not isinstance(times, xr.DataArray) or SKILL not in times.dims:
        raise ValueError("times must be an xarray.DataArray with a 'skill' dim (see skillode.learning_times)")
    if ax is None:
        _, ax = new_axes()
    if times.ndim == 1:
        skills = np.arange(1, times.sizes[SKILL] + 1)
        ax.plot(skills, times.values, "o-", color=skill_colors(1, cmap)[0], label="computed")
        if reference is not None:
            ref = np.asarray(reference, dtype=np.float64)
            if ref.shape != skills.shape:
                raise ValueError(f"reference must have shape {skills.shape}, got {ref.shape}")
            ax.plot(skills, ref, "s", mfc="none", color="tab:red", label="reference")
            legend_outside(ax)
        ax.set_xticks(skills, [str(s) for s in times[SKILL].values])
        ax.set_xlabel("skill")
    else:
        others = [d for d in times.dims if d != SKILL]
        if x is None:
            if len(others) != 1:
                raise ValueError(f"times has dims {times.dims}; pass x= to pick the sweep axis (or select first)")
            x = others[0]
        da = _single_point(times, (x, SKILL), "plot_learning_times")
        colors = skill_colors(da.sizes[SKILL], cmap)
        for k, color in enumerate(colors):
            ax.plot(da[x].values, da.values[:, k], color=color, label=str(da[SKILL].values[k]))
        if da.sizes[SKILL] <= 12:
            legend_outside(ax, title="skill")
        ax.set_xlabel(x)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_ylabel(f"learning time (s ≥ {times.attrs.get('threshold', '?')}) [steps]")
    return ax


def plot_collapse(ds: xr.Dataset, ax=None, *, cmap: str = "viridis", p=None):
    """Plot ``u_i^{1/p_i}`` (deficit ``u = 1 - s`` to the power ``1/p_i``) per skill: one curve in the Resource model.

    ``p`` defaults to the Dataset's ``p`` coordinate. Deficits at or below 0 (clipped, or overshoot) are not drawn.
    """
    validate_trajectory(ds)
    if p is None:
        if "p" not in ds.coords:
            raise ValueError("plot_collapse needs skill frequencies: a 'p' coordinate in ds, or p=")
        p = ds["p"].values
    p = np.asarray(p, dtype=np.float64)
    level = _single_point(ds["skill_level"], (SKILL, TIME), "plot_collapse")
    if p.shape != (level.sizes[SKILL],):
        raise ValueError(f"p must have shape ({level.sizes[SKILL]},), got {p.shape}")
    if ax is None:
        _, ax = new_axes()
    u = 1.0 - level.values
    with np.errstate(invalid="ignore", divide="ignore"):
        collapsed = np.where(u > 0, u, np.nan) ** (1.0 / p[:, None])
    for row, color, label in zip(collapsed, skill_colors(len(p), cmap), _labels(level)):
        ax.plot(ds[TIME].values, row, color=color, label=label)
    ax.set_xlabel("steps")
    ax.set_ylabel(r"$u_i^{1/p_i}$")
    return ax
