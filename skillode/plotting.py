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

import warnings

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
    "running_mean",
    "plot_smoothed",
    "text_overlaps",
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
    """Readable log-axis labels: decades only (``10^k``, at most eight of them: every k-th decade over a long span)
    when the axis spans two decades or more; under two decades
    plain numbers, ``1, 2, 5 x 10^k`` under one decade and ``1, 3 x 10^k`` from one to two (denser labels run
    together); minor labels such as ``2 x 10^1`` (which overlap) are dropped. Call after plotting (it reads the
    axis limits). Returns ``ax``."""
    ax.autoscale_view()
    for name in ("x", "y") if axis == "both" else (axis,):
        a = ax.xaxis if name == "x" else ax.yaxis
        if a.get_scale() != "log":
            continue
        lo, hi = sorted(ax.get_xlim() if name == "x" else ax.get_ylim())
        if lo > 0 and np.log10(hi / lo) < 2.0:  # under two decades: label 1, 2, 5 (or 1, 3) x 10^k in plain numbers
            subs = (1.0, 2.0, 5.0) if np.log10(hi / lo) < 1.0 else (1.0, 3.0)
            a.set_major_locator(LogLocator(base=10.0, subs=subs, numticks=12))
            a.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        else:  # at most 8 decade labels: a span of many decades is labelled every 2nd, 3rd, ... decade
            a.set_major_locator(LogLocator(base=10.0, numticks=8))
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


def _kernel(window: int) -> np.ndarray:
    window = check_int(window, "window (samples)")
    if window < 1:
        raise ValueError(f"window must be >= 1 sample, got {window}")
    if window % 2:
        return np.ones(window)
    return np.concatenate([[0.5], np.ones(window - 1), [0.5]])  # window + 1 taps summing to window


def running_mean(y, window: int) -> np.ndarray:
    """Centred running mean of ``y`` over ``window`` samples (1-D); NaNs inside a window are skipped, and the first
    and last ``window // 2`` samples, where the window is incomplete, are NaN.

    An even window takes half weights at its two ends (``window + 1`` taps summing to ``window``), so it averages
    a period-2 oscillation (a level flipping at every sample) away exactly; an odd window is a plain boxcar.
    """
    y = np.asarray(y, dtype=np.float64)
    k = _kernel(window)
    if y.ndim != 1:
        raise ValueError(f"running_mean needs a 1-D series, got shape {y.shape}")
    if len(y) < len(k):
        return np.full(y.shape, np.nan)
    ok = np.isfinite(y)
    num = np.convolve(np.where(ok, y, 0.0), k, mode="same")
    den = np.convolve(ok.astype(np.float64), k, mode="same")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(den > 0, num / den, np.nan)
    half = len(k) // 2
    if half:
        mean[:half] = np.nan
        mean[-half:] = np.nan
    return mean


def _running_range(y, window: int) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=np.float64)
    half = len(_kernel(window)) // 2
    padded = np.concatenate([np.full(half, np.nan), y, np.full(half, np.nan)])
    views = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows give NaN
        return np.nanmin(views, axis=1), np.nanmax(views, axis=1)


def plot_smoothed(ax, x, y, window: int, *, color="k", raw: str | None = "band", raw_alpha: float = 0.25,
                  label: str | None = None, **line_kwargs):
    """Draw a noisy or oscillating series readably: its `running_mean` over ``window`` samples as a line, and the
    raw samples lightly behind it. Say in the legend or caption that the line is a running mean.

    ``raw`` is ``"band"`` (the min–max of the raw samples in each window, a light band: for linear axes),
    ``"dots"`` (every raw sample a small light dot: for log axes, where a band would reach down to zero) or None.
    Returns the Line2D of the running mean.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if raw == "band":
        lo, hi = _running_range(y, window)
        ax.fill_between(x, lo, hi, color=color, alpha=raw_alpha, lw=0)
    elif raw == "dots":
        ax.plot(x, y, ".", color=color, alpha=raw_alpha, ms=1.5, mew=0)
    elif raw is not None:
        raise ValueError(f"raw must be 'band', 'dots' or None, got {raw!r}")
    (line,) = ax.plot(x, running_mean(y, window), color=color, label=label, **line_kwargs)
    return line


# ----------------------------------------------------------------------------------------------------------------
# Layout check


def _tick_drawn(axis, tick) -> bool:
    """Whether ``tick`` of ``axis`` lies inside the view interval (ticks outside it are not drawn)."""
    lo, hi = sorted(axis.get_view_interval())
    tr = axis.get_transform()
    with np.errstate(all="ignore"):
        a, b, x = tr.transform([lo, hi, tick.get_loc()])
    a, b = min(a, b), max(a, b)
    if not (np.isfinite(a) and np.isfinite(b) and np.isfinite(x)):
        return False
    eps = 1e-10 * max(abs(a), abs(b), b - a, 1e-300)
    return a - eps <= x <= b + eps


def _drawn_ticks(axis):
    """The ticks ``axis`` draws: what ``Axis.draw`` draws (``_update_ticks``), else every tick inside the view."""
    update = getattr(axis, "_update_ticks", None)
    if update is not None:
        return list(update())
    return [t for t in (*axis.get_major_ticks(), *axis.get_minor_ticks()) if _tick_drawn(axis, t)]


def _visible_texts(fig, renderer):
    """``(Text, where)`` for every text the figure draws: titles, axis and tick labels, legends, colourbars,
    annotations, figure texts and the suptitle; invisible artists (or below an invisible parent), empty strings and
    tick labels outside the view limits are left out."""
    from matplotlib.axis import Axis
    from matplotlib.text import Annotation, Text

    found = []

    def where_of(ax):
        k = fig.axes.index(ax) + 1 if ax in fig.axes else 0
        title = (ax.get_title() or ax.get_title("left") or ax.get_title("right")).strip()
        return f"axes {k}" + (f" {title[:30]!r}" if title else "")

    def add(text, where):
        if not text.get_visible() or not text.get_text().strip():
            return
        if isinstance(text, Annotation):
            check = getattr(text, "_check_xy", None)
            if check is not None and not check(renderer):
                return  # an annotation whose point is clipped away is not drawn
        found.append((text, where))

    def walk(artist, where):
        if not artist.get_visible():
            return
        if isinstance(artist, Axis):
            name = artist.axis_name
            add(artist.label, f"{name} label, {where}")
            add(artist.offsetText, f"{name} offset text, {where}")
            for tick in _drawn_ticks(artist):
                if tick.get_visible():
                    for lab in (tick.label1, tick.label2):
                        add(lab, f"{name} tick label, {where}")
            return
        if isinstance(artist, Text):
            add(artist, where)
            return
        for child in artist.get_children():
            walk(child, where)

    for text in fig.texts:
        add(text, "figure text")
    for leg in fig.legends:
        walk(leg, "figure legend")
    for sub in getattr(fig, "subfigs", []):
        walk(sub, "subfigure")
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        where = where_of(ax)
        titles = [getattr(ax, name, None) for name in ("title", "_left_title", "_right_title")]
        for child in ax.get_children():
            if child is getattr(ax, "patch", None):
                continue
            if any(child is t for t in titles):
                add(child, f"title, axes {fig.axes.index(ax) + 1}")
            else:
                walk(child, "legend, " + where if child is ax.get_legend() else where)
    return found


def text_overlaps(fig, *, dpi: float | None = None, tol: float = 0.5) -> list[str]:
    """Layout defects of a figure: pairs of drawn texts whose boxes overlap, and texts leaving the canvas.

    The figure is drawn (running its layout engine, e.g. constrained layout) and every text it draws (titles,
    suptitle, axis labels, tick labels inside the view limits, offset texts, legend texts, colourbar labels,
    annotations, figure texts; not invisible ones or empty strings) is measured with ``get_window_extent``. Two
    boxes overlap when they share more than `tol` pixels in both directions; a box leaves the canvas when it
    sticks out by more than `tol` pixels.

    **Arguments:**

    - `fig`: a matplotlib Figure (with or without pyplot; an Agg canvas is attached if it has none that renders).
    - `dpi`: measure at this resolution, e.g. the one it is saved at (default: the figure's own).
    - `tol`: the slack in pixels.

    **Returns:** one line per defect naming the texts, e.g. ``"'2×10³' (x tick label, axes 1) overlaps '3×10³'
    (x tick label, axes 1)"``; an empty list for a clean figure.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    old_dpi = fig.dpi
    if dpi is not None:
        fig.set_dpi(dpi)
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        texts = _visible_texts(fig, renderer)
        boxes = np.array([t.get_window_extent(renderer).extents for t, _ in texts]).reshape(-1, 4)
        canvas = fig.bbox.extents
    finally:
        if dpi is not None:
            fig.set_dpi(old_dpi)

    def name(i):
        text, where = texts[i]
        shown = text.get_text().replace("\n", " ").replace("\\mathdefault", "")
        return f"{shown[:60]!r} ({where})"

    problems = []
    x0, y0, x1, y1 = boxes.T
    ok = np.isfinite(boxes).all(axis=1) & (x1 - x0 > 0) & (y1 - y0 > 0)
    for i in np.flatnonzero(ok):
        out = (x0[i] < canvas[0] - tol or y0[i] < canvas[1] - tol or x1[i] > canvas[2] + tol
               or y1[i] > canvas[3] + tol)
        if out:
            problems.append(f"{name(i)} leaves the canvas")
    for i in np.flatnonzero(ok):
        j = np.arange(i + 1, len(texts))
        j = j[ok[j]]
        w = np.minimum(x1[i], x1[j]) - np.maximum(x0[i], x0[j])
        h = np.minimum(y1[i], y1[j]) - np.maximum(y0[i], y0[j])
        for k in j[(w > tol) & (h > tol)]:
            problems.append(f"{name(i)} overlaps {name(k)}")
    return problems
