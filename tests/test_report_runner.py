"""`skillode report`'s runner: examples side by side, the header and progress lines, the longest first, results in
the scripts' order, crashes and timeouts as failed rows, the subprocess environment (compilation cache, threads).

Every example here is a tiny fake script (plain Python, no imports of skillode or JAX): each test takes seconds.
"""

import json
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from skillode import report as rp
from skillode.report import example_env, jax_cache_dir, run_example, write_report

PRELUDE = '''\
import json, os, sys, time
from pathlib import Path
ARGS = sys.argv[1:]
OUT = Path(ARGS[ARGS.index("--out") + 1])
NAME = Path(__file__).stem
HERE = Path(__file__).resolve().parent

def check(cid, status="pass"):
    return {"id": cid, "description": cid, "claim": "-", "paper": 1, "value": 1, "spread": None,
            "spread_label": None, "tolerance": 0, "status": status, "reason": None, "figure": None,
            "script": f"examples/{NAME}.py"}

def finish(*checks, numbers=None, rc=0):
    (OUT / f"{NAME}.json").write_text(json.dumps({
        "schema": "skillode-example/1", "name": NAME, "script": f"examples/{NAME}.py",
        "mode": "quick" if "--quick" in ARGS else "full", "figures": [], "checks": list(checks),
        "numbers": numbers or {}}))
    sys.exit(rc)

def meet(other, timeout=20.0):
    """Say this script has started, wait for `other` to say so too (only possible if both run at once)."""
    (HERE / f"{NAME}.started").touch()
    end = time.time() + timeout
    while not (HERE / f"{other}.started").exists():
        if time.time() > end:
            finish(check(f"{NAME}.met", "fail"))
        time.sleep(0.02)
'''


def script(directory: Path, name: str, body: str) -> Path:
    path = directory / f"{name}.py"
    path.write_text(PRELUDE + textwrap.dedent(body))
    return path


@pytest.fixture
def src(tmp_path):
    d = tmp_path / "examples"
    d.mkdir()
    return d


def started_order(text: str) -> list[str]:
    return [line.split("start  ", 1)[1].split()[0] for line in text.splitlines() if "] start  " in line]


def finished_order(text: str) -> list[str]:
    return [line.split("] ", 1)[1].split()[1].rstrip(":") for line in text.splitlines()
            if "] done" in line or "] FAILED" in line]


def test_examples_run_side_by_side_and_come_back_in_the_scripts_order(src, tmp_path, capsys):
    # a_slow waits for b_fast to start (both at once, or a_slow fails), then ends last
    script(src, "a_slow", 'meet("b_fast")\ntime.sleep(0.5)\nfinish(check("a.met"))\n')
    script(src, "b_fast", 'meet("a_slow")\nfinish(check("b.met"))\n')
    report = write_report(tmp_path / "out", directory=src, jobs=2, jax_cache=False)
    text = capsys.readouterr().out
    assert {r["id"]: r["status"] for r in report.rows} == {"a.met": "pass", "b.met": "pass"}
    assert finished_order(text) == ["b_fast", "a_slow"]
    assert [run.name for run in report.runs] == ["a_slow", "b_fast"]  # not the order they finished in
    record = json.loads((tmp_path / "out" / "runs.json").read_text())
    assert record["jobs"] == 2 and set(record["examples"]) == {"a_slow", "b_fast"}
    assert record["examples"]["a_slow"]["counts"]["pass"] == 1


def test_header_and_progress_lines(src, tmp_path, capsys):
    script(src, "one", 'finish(check("one.a"), check("one.b", "not-run"))\n')
    script(src, "two", 'finish(check("two.a", "fail"), rc=1)\n')
    out = tmp_path / "out"
    write_report(out, directory=src, jobs=2, jax_cache=False)
    text = capsys.readouterr().out
    first = text.splitlines()[0]
    assert "2 examples, quick mode, 2 at a time" in first and "no JAX compilation cache" in first
    assert "no time estimate" in text  # fake names: not in the shipped table, and no previous run
    assert sorted(started_order(text)) == ["one", "two"]
    assert "done   one: 1 pass, 0 fail, 1 not-run" in text
    assert "FAILED two: 0 pass, 1 fail" in text and str(out / "two" / "log.txt") in text
    write_report(out, directory=src, jobs=1, jax_cache=False)  # the second run estimates from the first
    text = capsys.readouterr().out
    assert "1 at a time" in text and "expected about" in text and "previous run's times in" in text


def test_a_quiet_minute_names_what_is_still_running(src, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(rp._Progress, "QUIET_S", 0.3)
    script(src, "sleepy", 'time.sleep(1.5)\nfinish(check("sleepy.a"))\n')
    write_report(tmp_path / "out", directory=src, jax_cache=False)
    assert "running: sleepy (" in capsys.readouterr().out


def test_longest_expected_runs_first(src, tmp_path, capsys):
    for name in ("a", "b", "c"):
        script(src, name, f'finish(check("{name}.x"))\n')
    out = tmp_path / "out"
    out.mkdir()
    (out / "runs.json").write_text(json.dumps({"schema": rp.RUNS_SCHEMA, "mode": "quick", "examples": {
        "a": {"wall_s": 1.0}, "b": {"wall_s": 30.0}, "c": {"wall_s": 5.0}}}))
    write_report(out, directory=src, jobs=1, jax_cache=False)
    text = capsys.readouterr().out
    assert started_order(text) == ["b", "c", "a"]
    assert "expected about 36 s" in text and "longest first: b ~30 s, c ~5 s, a ~1 s" in text
    # a partial run keeps the other examples' times for the next estimate
    write_report(out, directory=src, only=["a"], jobs=1, jax_cache=False, progress=False)
    assert set(json.loads((out / "runs.json").read_text())["examples"]) == {"a", "b", "c"}


def test_the_estimate_is_the_makespan_of_longest_first():
    assert rp._makespan([10, 10, 10], 2) == 20
    assert rp._makespan([30, 20, 10, 5], 2) == 35  # 30 | 20 + 10 + 5
    assert rp._makespan([], 3) == 0


def test_crashes_timeouts_and_unstartable_examples_are_failed_rows(src, tmp_path, monkeypatch):
    script(src, "crash", 'raise RuntimeError("boom")\n')
    script(src, "hang", 'time.sleep(60)\n')
    script(src, "ok", 'finish(check("ok.a"))\n')
    script(src, "unstartable", 'finish(check("never"))\n')
    real = rp.run_example

    def run(path, *args, **kwargs):
        if Path(path).stem == "unstartable":
            raise OSError("no such interpreter")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(rp, "run_example", run)
    start = time.perf_counter()
    report = write_report(tmp_path / "out", directory=src, jobs=4, timeout=3, jax_cache=False, progress=False)
    assert time.perf_counter() - start < 30
    status = {r["id"]: (r["status"], r["value"]) for r in report.rows}
    assert status["ok.a"] == ("pass", 1)
    assert status["crash.run"][0] == "fail" and "no result file" in status["crash.run"][1]
    assert status["hang.run"][0] == "fail" and status["hang.run"][1].startswith("timed out after")
    assert status["unstartable.run"][0] == "fail"
    runs = {run.name: run for run in report.runs}
    assert "boom" in runs["crash"].log and "boom" in (tmp_path / "out" / "crash" / "log.txt").read_text()
    assert "no such interpreter" in runs["unstartable"].log


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_timeout_ends_the_processes_the_example_started(src, tmp_path):
    script(src, "spawner", '''\
    import subprocess
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    (OUT / "child.pid").write_text(str(child.pid))
    time.sleep(60)
    ''')
    run = run_example(src / "spawner.py", tmp_path / "out", timeout=3)
    assert run.timed_out and run.returncode is None
    pid = int((tmp_path / "out" / "child.pid").read_text())
    time.sleep(0.2)
    stat = Path(f"/proc/{pid}/stat")
    assert not stat.exists() or stat.read_text().split(")")[-1].split()[0] in ("Z", "X")  # gone, or a zombie


def test_the_subprocess_environment(src, tmp_path, monkeypatch):
    for var in ("JAX_COMPILATION_CACHE_DIR", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "XLA_FLAGS", "SKILLODE_JAX_CACHE"):
        monkeypatch.delenv(var, raising=False)
    script(src, "env", '''\
    keys = ("JAX_COMPILATION_CACHE_DIR", "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS",
            "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "OMP_NUM_THREADS", "XLA_FLAGS", "MPLBACKEND")
    finish(check("env.a"), numbers={k: os.environ.get(k) for k in keys})
    ''')
    cache = tmp_path / "cache"
    report = write_report(tmp_path / "out", directory=src, jax_cache=cache, threads=1, progress=False)
    seen = report.runs[0].result["numbers"]
    assert seen["JAX_COMPILATION_CACHE_DIR"] == str(cache) and cache.is_dir()
    assert seen["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] == "0"
    assert seen["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] == "-1"
    assert seen["OMP_NUM_THREADS"] == "1" and "--xla_cpu_multi_thread_eigen=false" in seen["XLA_FLAGS"]
    assert seen["MPLBACKEND"] == "Agg"
    report = write_report(tmp_path / "out", directory=src, jax_cache=False, threads=0, progress=False)
    seen = report.runs[0].result["numbers"]
    assert seen["JAX_COMPILATION_CACHE_DIR"] is None and seen["OMP_NUM_THREADS"] is None
    assert seen["XLA_FLAGS"] is None


def test_example_env_keeps_what_the_user_set(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # set by Dask's nanny in-process in earlier tests
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XLA_FLAGS", "--xla_dump_to=/nowhere")
    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)
    env = example_env(cache=Path("c"), threads=1)
    assert "OMP_NUM_THREADS" not in env and env["OPENBLAS_NUM_THREADS"] == "1"
    assert env["XLA_FLAGS"] == "--xla_dump_to=/nowhere --xla_cpu_multi_thread_eigen=false"
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", "mine")
    assert "JAX_COMPILATION_CACHE_DIR" not in example_env(cache=Path("c"))
    assert example_env() == {}


def test_jax_cache_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("SKILLODE_JAX_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert jax_cache_dir() == tmp_path / "skillode" / "jax"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert jax_cache_dir() == Path.home() / ".cache" / "skillode" / "jax"
    monkeypatch.setenv("SKILLODE_JAX_CACHE", str(tmp_path / "elsewhere"))
    assert jax_cache_dir() == tmp_path / "elsewhere"
    for off in ("0", "off", "false", "no"):
        monkeypatch.setenv("SKILLODE_JAX_CACHE", off)
        assert jax_cache_dir() is None


def test_bad_jobs_and_threads(src, tmp_path):
    script(src, "x", 'finish(check("x.a"))\n')
    with pytest.raises(ValueError, match="jobs must be >= 1"):
        write_report(tmp_path, directory=src, jobs=0, progress=False)
    with pytest.raises(ValueError, match="threads must be >= 0"):
        write_report(tmp_path, directory=src, threads=-1, progress=False)


def test_default_jobs_is_the_usable_cores():
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert rp.default_jobs() == expected >= 1


def test_a_first_run_estimates_from_the_shipped_table(src, tmp_path, capsys):
    shortest = min(rp.QUICK_SECONDS, key=rp.QUICK_SECONDS.get)
    longest = max(rp.QUICK_SECONDS, key=rp.QUICK_SECONDS.get)
    middle = sorted(rp.QUICK_SECONDS, key=rp.QUICK_SECONDS.get)[len(rp.QUICK_SECONDS) // 2]
    for name in (shortest, middle, longest, "a_new_example"):
        script(src, name, f'finish(check("{name}.x"))\n')
    write_report(tmp_path / "out", directory=src, jobs=1, jax_cache=False)
    text = capsys.readouterr().out
    assert "expected about" in text and "skillode's table of quick-mode times" in text
    order = started_order(text)
    assert order[0] == longest and order[-1] == shortest  # the new example counts as the median of the others


def test_a_first_full_run_starts_the_longest_examples(tmp_path):
    names = sorted(rp.FULL_SECONDS)
    expected, source = rp._expected_times(tmp_path / "runs.json", names, quick=False)
    assert "full-mode times" in source
    order = sorted(names, key=lambda n: -expected[n])
    assert order[:2] == ["validation_at_scale", "forecast_emergence"]  # alphabetical order would start them last
    assert set(rp.FULL_SECONDS) == set(rp.QUICK_SECONDS) == set(rp.list_examples())


COUNTED = '''\
with open(HERE / "runs.log", "a") as f:
    f.write(NAME + "\\n")
'''


def runs_logged(src) -> list[str]:
    path = src / "runs.log"
    return path.read_text().split() if path.exists() else []


def test_resume_keeps_what_finished_with_the_same_code(src, tmp_path, capsys):
    script(src, "a", COUNTED + 'finish(check("a.x"))\n')
    script(src, "b", COUNTED + 'finish(check("b.x", "fail"), rc=1)\n')  # finished, with a failed check: kept
    script(src, "c", COUNTED + 'sys.exit(3)\n')  # crashed, no result file: run again
    out = tmp_path / "out"
    first = write_report(out, directory=src, jobs=1, progress=False)
    assert sorted(runs_logged(src)) == ["a", "b", "c"]
    again = write_report(out, directory=src, jobs=1, resume=True)
    assert sorted(runs_logged(src)) == ["a", "b", "c", "c"]  # only the crashed one ran again
    assert "kept from the previous run (same code, finished): a, b" in capsys.readouterr().out
    assert [r["id"] for r in again.rows] == [r["id"] for r in first.rows]
    assert [r["status"] for r in again.rows] == [r["status"] for r in first.rows]
    record = json.loads((out / "runs.json").read_text())["examples"]
    assert record["a"]["kept"] and record["b"]["kept"] and not record["c"]["kept"]
    assert record["a"]["fingerprint"] == rp.fingerprint(src / "a.py", quick=True)
    script(src, "a", COUNTED + 'finish(check("a.y"))\n')  # the script changed: its result is not kept
    changed = write_report(out, directory=src, jobs=1, resume=True, progress=False)
    assert sorted(runs_logged(src)[-2:]) == ["a", "c"]
    assert "a.y" in [r["id"] for r in changed.rows]
    write_report(out, directory=src, jobs=1, quick=False, resume=True, progress=False)  # another mode: all run
    assert sorted(runs_logged(src)[-3:]) == ["a", "b", "c"]


def test_the_fingerprint_follows_the_script_its_helpers_and_imports(src):
    script(src, "a", "import b_helper\nfinish(check('a.x'))\n")
    (src / "b_helper.py").write_text("X = 1\n")
    (src / "_shared.py").write_text("Y = 1\n")
    before = rp.fingerprint(src / "a.py", quick=True)
    assert before != rp.fingerprint(src / "a.py", quick=False)
    for path, text in ((src / "b_helper.py", "X = 2\n"), (src / "_shared.py", "Y = 2\n")):
        path.write_text(text)
        after = rp.fingerprint(src / "a.py", quick=True)
        assert after != before
        before = after


def test_the_store_and_the_dask_scheduler_reach_the_examples(src, tmp_path, monkeypatch):
    for var in (rp.STORE_ENV, rp.SCHEDULER_ENV):
        monkeypatch.delenv(var, raising=False)
    script(src, "env", 'finish(check("env.a"), numbers={k: os.environ.get(k) for k in '
                       '("SKILLODE_STORE", "SKILLODE_SCHEDULER")})\n')
    seen = write_report(tmp_path / "out", directory=src, progress=False).runs[0].result["numbers"]
    assert seen == {"SKILLODE_STORE": None, "SKILLODE_SCHEDULER": None}
    store = tmp_path / "stores"
    seen = write_report(tmp_path / "out", directory=src, store=store, workers=1, progress=False).runs[0]
    seen = seen.result["numbers"]
    assert seen["SKILLODE_STORE"] == str(store.resolve())
    assert seen["SKILLODE_SCHEDULER"].startswith("tcp://")
    with pytest.raises(ValueError, match=r"workers \(Dask worker processes\) must be an integer >= 1"):
        write_report(tmp_path / "out", directory=src, workers=0, progress=False)


def test_the_examples_take_the_reports_store_and_scheduler(monkeypatch, tmp_path):
    sys.path.insert(0, str(rp.examples_dir()))
    try:
        from _common import Example
    finally:
        sys.path.pop(0)
    monkeypatch.setenv(rp.STORE_ENV, str(tmp_path / "s"))
    monkeypatch.setenv(rp.SCHEDULER_ENV, "tcp://127.0.0.1:1")

    def parsed(*argv):
        ex = Example(__file__, "doc")
        ex.add_sweep_flags()
        return ex.parse(["--out", str(tmp_path / "o"), *argv])
    args = parsed()
    assert args.store == tmp_path / "s" and args.scheduler == "tcp://127.0.0.1:1"
    args = parsed("--store", str(tmp_path / "mine"), "--workers", "2")  # the flags win
    assert args.store == tmp_path / "mine" and args.scheduler is None and args.workers == 2


def test_the_record_sums_the_invocations_behind_its_results(src, tmp_path):
    for name in ("a", "b"):
        script(src, name, f'finish(check("{name}.x"))\n')
    out = tmp_path / "out"

    def record():
        return json.loads((out / "runs.json").read_text())

    write_report(out, directory=src, only=["a"], jobs=1, jax_cache=False, progress=False)
    first = record()
    assert [i["ran"] for i in first["invocations"]] == [1] and first["wall_s_total"] == first["wall_s"]
    write_report(out, directory=src, jobs=1, jax_cache=False, progress=False, resume=True)  # runs b, keeps a
    second = record()
    assert [(i["ran"], i["kept"]) for i in second["invocations"]] == [(1, 0), (1, 1)]
    assert second["wall_s_total"] == pytest.approx(first["wall_s"] + second["wall_s"], abs=0.011)
    write_report(out, directory=src, jobs=1, jax_cache=False, progress=False)  # every example again: a fresh start
    assert [(i["ran"], i["kept"]) for i in record()["invocations"]] == [(2, 0)]


def test_each_invocation_records_the_numeric_environment_its_examples_ran_in(src, tmp_path, monkeypatch):
    import jax
    import numpy as np

    script(src, "a", 'finish(check("a.x"))\n')
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    write_report(tmp_path / "out", directory=src, jobs=2, threads=1, jax_cache=False, progress=False)
    env = json.loads((tmp_path / "out" / "runs.json").read_text())["invocations"][0]["environment"]
    assert env["jax"] == jax.__version__ and env["numpy"] == np.__version__ and env["cores"] >= 1
    assert env["worker_cores"] is None  # no Dask cluster
    if hasattr(os, "sched_setaffinity"):  # where local_cluster pins its workers
        split = rp.numeric_environment(workers=2)["worker_cores"]  # the cores shared out, one each at least
        assert len(split) == 2 and min(split) >= 1 and sum(split) == max(env["cores"], 2)
    assert env["xla_flags"] == "--xla_cpu_multi_thread_eigen=false"  # what the examples ran with, not this process


def test_the_record_names_the_code_an_example_started_with(src, tmp_path):
    # a runs first (jobs=1) and edits b's script before b starts: b's result is the edited code's, and --resume
    # must keep it for that code only
    script(src, "a", '(HERE / "b.py").write_text((HERE / "b.py").read_text() + "# edited\\n")\n'
                     'finish(check("a.x"))\n')
    script(src, "b", 'finish(check("b.x"))\n')
    before = rp.fingerprint(src / "b.py", quick=True)
    write_report(tmp_path / "out", directory=src, jobs=1, jax_cache=False, progress=False)
    record = json.loads((tmp_path / "out" / "runs.json").read_text())["examples"]
    assert record["b"]["fingerprint"] == rp.fingerprint(src / "b.py", quick=True) != before
    # the copy kept next to a result is the script as it started: a's copy has no edit, b's has it
    assert (tmp_path / "out" / "b" / "b.py").read_text().endswith("# edited\n")
    script(src, "c", '(HERE / "c.py").write_text("# rewritten while it ran\\n")\nfinish(check("c.x"))\n')
    started = (src / "c.py").read_text()
    ran = write_report(tmp_path / "out2", directory=src, only=["c"], jobs=1, jax_cache=False, progress=False)
    assert [r["status"] for r in ran.rows] == ["pass"] and (src / "c.py").read_text().startswith("# rewritten")
    assert (tmp_path / "out2" / "c" / "c.py").read_text() == started
