"""Figures without layout defects: the checker (`skillode.plotting.text_overlaps`) finds overlapping text and text
off the canvas, `Example.save_figure` fails loudly on them, and a few cheap examples render clean figures."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from skillode.plotting import new_axes, plot_smoothed, running_mean, text_overlaps

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LONG = "a title far too long for its narrow panel, so it runs into the next one"


def test_clean_figure_has_no_defects():
    fig, axes = new_axes(2, 1)
    for ax in axes.ravel():
        ax.plot([1, 2, 3], [1, 4, 9], label="data")
        ax.set(title="short", xlabel="x", ylabel="y")
        ax.legend()
    fig.suptitle("a suptitle")
    assert text_overlaps(fig) == []
    assert text_overlaps(fig, dpi=150) == []


def test_colliding_titles_are_found_and_named():
    fig, axes = new_axes(3, 1)
    for ax in axes.ravel():
        ax.plot([0, 1], [0, 1])
        ax.set_title(LONG)
    problems = text_overlaps(fig)
    assert any("overlaps" in p and "title, axes 1" in p and "title, axes 2" in p for p in problems), problems
    assert any("title, axes 3" in p and "leaves the canvas" in p for p in problems), problems


def test_text_leaving_the_canvas_is_found():
    fig = Figure(figsize=(3, 2), layout="constrained")
    ax = fig.add_subplot()
    ax.text(0.8, 0.5, "this text runs off the right edge", transform=ax.transAxes)
    problems = text_overlaps(fig)
    assert problems == ["'this text runs off the right edge' (axes 1) leaves the canvas"]


def test_tick_labels_of_one_axis_running_together_are_found():
    fig, ax = new_axes(size=(2.0, 2.0))
    ax.plot([0, 10], [0, 1])
    ax.set_xticks(np.arange(11), [f"{v}000000" for v in range(11)])
    problems = text_overlaps(fig)
    assert problems and all("x tick label, axes 1" in p for p in problems), problems


def test_invisible_empty_and_out_of_view_texts_are_ignored():
    fig, ax = new_axes(size=(3.0, 2.0))
    ax.plot([0, 1], [0, 1])
    ax.set_xticks([-5.0, -4.9, 0.0, 1.0, 5.0, 5.1], ["far left", "also far left", "0", "1", "far", "away"])
    ax.set_xlim(-0.1, 1.1)  # the ticks at -5, -4.9, 5 and 5.1 are not drawn: their labels cannot collide
    ax.text(0.5, 0.5, LONG * 3, visible=False)  # invisible, though far wider than the canvas
    ax.text(0.5, 0.5, "")
    ax.set_title("   ")
    assert text_overlaps(fig) == []


def test_running_mean_averages_a_flip_away_and_plot_smoothed_draws_it():
    y = np.tile([1.0, 0.0], 20)
    mean = running_mean(y, 4)
    assert np.isnan(mean[:2]).all() and np.isnan(mean[-2:]).all()
    np.testing.assert_allclose(mean[2:-2], 0.5)
    np.testing.assert_allclose(running_mean(np.arange(9.0), 3)[1:-1], np.arange(1.0, 8.0))
    assert np.isnan(running_mean(y[:3], 4)).all()
    fig, ax = new_axes()
    line = plot_smoothed(ax, np.arange(40), y, 4, color="C0", label="mean")
    np.testing.assert_allclose(line.get_ydata()[2:-2], 0.5)
    with pytest.raises(ValueError, match="raw"):
        plot_smoothed(ax, np.arange(40), y, 4, raw="shade")


def test_save_figure_fails_loudly_on_overlapping_text(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    from _common import Example

    ex = Example(str(tmp_path / "demo.py"), "A demo.")
    ex.parse(["--out", str(tmp_path / "out")])
    fig, axes = new_axes(2, 1)
    for ax in axes.ravel():
        ax.set_title(LONG)
    with pytest.raises(RuntimeError, match="layout defect") as err:
        ex.save_figure(fig, "bad")
    assert "overlaps" in str(err.value) and "a title far too long" in str(err.value)
    good, ax = new_axes()
    ax.set_title("fine")
    assert ex.save_figure(good, "good") == "good.png"
    assert (tmp_path / "out" / "good.png").is_file()


# A few of the cheapest examples (seconds each), run as the scorecard runs them: their figures must be clean.
CHEAP = ["backend_agreement", "fig6_resource_theory", "learning_times_closed_form"]


@pytest.mark.parametrize("name", CHEAP)
def test_cheap_examples_draw_clean_figures(name, tmp_path):
    proc = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    log = proc.stdout + proc.stderr
    assert "layout defect" not in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    assert list(tmp_path.glob("*.png")), log[-3000:]
