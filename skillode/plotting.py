"""Figures in the paper's idiom: one viridis colour per skill, time in optimizer steps.

Every function takes the shared trajectory format (`skillode.trajectory`), so theory and experiment plot the same
way. Without an ``ax`` a new ``matplotlib.figure.Figure`` is made (no pyplot, no global backend change: it renders
with Agg, e.g. ``fig.savefig("x.png")``, and works in scripts, tests and notebooks alike).

Examples:
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
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from ._validate import check_int
from .trajectory import SKILL, TIME, validate_trajectory

__all__ = [
    "skill_colors",
    "new_axes",
    "legend_outside",
    "plot_trajectory",
    "plot_learning_times",
    "plot_collapse",
    "skill_colorbar",
    "plain_log_ticks",
    "plot_fit_window",
]


def skill_colors(n: int, cmap: str = "viridis") -> np.ndarray:
    """``n`` colours from ``cmap``, one per skill (RGBA array of shape ``(n, 4)``), skill 1 first."""
    n = check_int(n, "n (number of skills)")
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
    if handles is not None and labels is None:
        labels = [h.get_label() for h in handles]
    args = () if handles is None else (handles, labels)
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


def skill_colorbar(target, n: int, *, cmap: str = "viridis", label: str = "skill index i", ax=None):
    """A colourbar for skill indices ``1..n`` in the colours of `skill_colors`; returns the Colorbar.

    ``target`` is the Figure; ``ax`` the Axes (or array of Axes) to take room from (default: all of them). Use it
    instead of a legend when there are too many skills to list.
    """
    n = check_int(n, "n (number of skills)")
    colors = skill_colors(n, cmap)
    listed = mpl.colors.ListedColormap(colors)
    norm = mpl.colors.BoundaryNorm(np.arange(0.5, n + 1.5), listed.N)
    mappable = mpl.cm.ScalarMappable(norm=norm, cmap=listed)
    cbar = target.colorbar(mappable, ax=ax if ax is not None else target.axes, label=label,
                           shrink=0.8, aspect=30, pad=0.02)
    step = max(1, int(np.ceil(n / 10)))
    cbar.set_ticks(np.arange(1, n + 1, step))
    return cbar


def plain_log_ticks(ax, axis: str = "both"):
    """Readable log-axis labels: decades only (``10^k``), or ``1, 2, 5 x 10^k`` as plain numbers when the axis spans
    under two decades; minor labels such as ``2 x 10^1`` (which overlap) are dropped. Call after plotting (it reads
    the axis limits). Returns ``ax``."""
    ax.autoscale_view()
    for name in ("x", "y") if axis == "both" else (axis,):
        a = ax.xaxis if name == "x" else ax.yaxis
        if a.get_scale() != "log":
            continue
        lo, hi = sorted(ax.get_xlim() if name == "x" else ax.get_ylim())
        if lo > 0 and np.log10(hi / lo) < 2.0:  # under two decades: label 1, 2, 5 x 10^k in plain numbers
            a.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0), numticks=12))
            a.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        else:
            a.set_major_locator(LogLocator(base=10.0, numticks=12))
        a.set_minor_locator(LogLocator(base=10.0, subs=np.arange(2, 10) * 0.1, numticks=12))
        a.set_minor_formatter(NullFormatter())
    return ax


def plot_fit_window(ax, x, y, window, exponent: float, *, color="k", label: str | None = None, shade: bool = True,
                    **line_kwargs):
    """Draw a fitted power law ``y = A x^{-exponent}`` over ``window = (lo, hi)`` and shade the window.

    ``A`` is the least-squares intercept in log-log space for the given slope over the points of ``(x, y)``
    inside the window (for a least-squares ``exponent`` this is the fit's own line). Returns the Line2D.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    lo, hi = (float(v) for v in window)
    inside = (x >= lo) & (x <= hi) & (x > 0) & (y > 0)
    if inside.sum() < 1:
        raise ValueError(f"window {window} holds no positive data points")
    log_a = float(np.mean(np.log(y[inside]) + exponent * np.log(x[inside])))
    xs = np.geomspace(lo, hi, 50)
    line_kwargs.setdefault("ls", "--")
    line_kwargs.setdefault("lw", 1.2)
    (line,) = ax.plot(xs, np.exp(log_a) * xs**-exponent, color=color, label=label, **line_kwargs)
    if shade:
        ax.axvspan(lo, hi, color="0.85", alpha=0.5, lw=0, zorder=0)
    return line
