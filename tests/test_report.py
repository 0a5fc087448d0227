"""The scorecard's rendering: the kind of evidence per row, counts per kind, the paper's order, status differs.

Made from hand-written rows (no example runs), so each test takes milliseconds.
"""

from pathlib import Path

import pytest

from skillode.report import ExampleRun, Report, _html, _markdown, order_rows, order_runs


def row(cid, status="pass", kind="paper", claim="arXiv:2501.12391", example=None, **extra):
    example = example or cid.split(".")[0]
    return {"id": cid, "description": f"the {cid} claim", "claim": claim, "kind": kind, "paper": 1.0, "value": 1.0,
            "detail": None, "spread": None, "spread_label": None, "tolerance": 0.1, "tolerance_reason": "read to ±0.1",
            "status": status, "reason": "quick mode" if status == "not-run" else None,
            "explanation": extra.pop("explanation", None), "figure": None, "script": f"examples/{example}.py",
            "example": example, **extra}


ROWS = [
    row("validation.w64.spearman", kind="beyond", claim="beyond arXiv:2501.12391", example="validation_at_scale"),
    row("backends.diffrax", kind="derived", claim="consistency of the Resource model", example="backend_agreement"),
    row("fig10.signgd_alpha_N_values", status="differs", explanation="a shorter run", example="fig10_scaling"),
    row("fig10.signgd_alpha_N_at_1", example="fig10_scaling"),
    row("closed_form.t1", kind="derived", claim="arXiv:2501.12391, Fig. 6 (Resource model)",
        example="learning_times_closed_form"),
    row("fig2.t2_growth", status="fail", example="fig2_domino_parity"),
    row("fig6.fit_r2", kind="beyond", example="fig6_7_resource_bridge"),
    row("fig7.N0_vs_B", kind="paper", example="fig6_7_resource_bridge"),
    row("fig4.sgd_ratio_9", kind="authors-code", example="fig4_two_skills"),
    row("fig19.nonmodular_frac", status="not-run", kind="authors-code", example="fig19_modularity"),
]


def test_rows_are_in_the_papers_order():
    ids = [r["id"] for r in order_rows(ROWS)]
    assert ids == [
        "fig2.t2_growth", "fig4.sgd_ratio_9",
        "closed_form.t1",  # no figure in its id: its claim names Fig. 6
        "fig7.N0_vs_B",
        "fig10.signgd_alpha_N_values", "fig10.signgd_alpha_N_at_1",  # ties keep their order
        "fig19.nonmodular_frac",
        "backends.diffrax",  # no figure number
        "validation.w64.spearman", "fig6.fit_r2",  # beyond the paper, last
    ]


def run_of(name, rows, tmp_path):
    return ExampleRun(name, Path(f"{name}.py"), tmp_path / name, 0, 1.0, False, {"checks": rows, "figures": []}, "")


def test_runs_are_in_the_papers_order(tmp_path):
    by_example = {}
    for r in ROWS:
        by_example.setdefault(r["example"], []).append({k: v for k, v in r.items() if k != "example"})
    runs = [run_of(name, rows, tmp_path) for name, rows in sorted(by_example.items())]  # file-name order: fig10 first
    assert [r.name for r in order_runs(runs)] == [
        "fig2_domino_parity", "fig4_two_skills", "learning_times_closed_form", "fig6_7_resource_bridge",
        "fig10_scaling", "fig19_modularity", "backend_agreement", "validation_at_scale"]


@pytest.fixture
def report(tmp_path):
    runs = [run_of("all", [{k: v for k, v in r.items() if k != "example"} for r in ROWS], tmp_path)]
    return Report(tmp_path / "report.md", tmp_path / "index.html", runs, list(ROWS), 1.0)


def test_counts_per_status_and_kind(report):
    assert report.counts() == {"pass": 7, "differs": 1, "fail": 1, "not-run": 1}
    by_kind = report.counts_by_kind()
    assert list(by_kind) == ["paper", "authors-code", "derived", "beyond"]
    assert by_kind["paper"] == {"pass": 2, "differs": 1, "fail": 1, "not-run": 0}
    assert by_kind["authors-code"] == {"pass": 1, "differs": 0, "fail": 0, "not-run": 1}
    assert by_kind["derived"] == {"pass": 2, "differs": 0, "fail": 0, "not-run": 0}
    assert by_kind["beyond"] == {"pass": 2, "differs": 0, "fail": 0, "not-run": 0}
    assert report.n_failed == 1  # differs is not a failure
    assert report.rows[0]["id"] == "fig2.t2_growth"  # a Report keeps its rows in the paper's order


def test_markdown_shows_kind_differs_and_the_summary_per_kind(report):
    md = _markdown(report.runs, report.rows, quick=True, wall=1.0)
    assert "| status | check | kind | claim | reference | skillode | tolerance | figure | script |" in md
    assert "7 passed, 1 differ from the paper (explained), 1 failed, 1 not run" in md
    assert ("paper: 2 pass, 1 differ, 1 fail, 0 not run; authors-code: 1 pass, 0 differ, 0 fail, 1 not run; "
            "derived: 2 pass, 0 differ, 0 fail, 0 not run; beyond: 2 pass, 0 differ, 0 fail, 0 not run") in md
    assert "Only the paper and authors-code rows count as agreement with the paper (3 of 6 pass)" in md
    assert "| differs (explained): a shorter run | `fig10.signgd_alpha_N_values`" in md
    assert "| **FAIL** | `fig2.t2_growth`" in md
    assert "| ± 0.1 (read to ±0.1) |" in md
    assert md.index("`fig2.t2_growth`") < md.index("`fig10.signgd_alpha_N_at_1`") < md.index("`fig6.fit_r2`")


def test_html_shows_kind_and_differs(report):
    page = _html(report.runs, report.rows, quick=True, wall=1.0)
    assert "<th>kind</th>" in page and "<tr class='differs'>" in page
    assert "differs (explained): a shorter run" in page and "tr.differs td.status" in page
    assert page.index("fig2.t2_growth") < page.index("fig10.signgd_alpha_N_at_1")
