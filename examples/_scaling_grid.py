"""The grid of the scaling studies (arXiv:2501.12391, Figs. 10 and 18), cut into parts that a larger run extends.

Both `fig10_scaling.py` and `fig18_modular_scaling.py` run Geometry-model sweeps on one grid: n = 1000 skills with
Zipf(alpha) frequencies, CE loss, batch B = 1024, learning rate 0.01, float32, and

- task vectors ``random_unit`` (the "non-modular" model; SignGD and Adam) or ``one_hot`` (the "modular" model of
  Fig. 18; SignGD);
- N = 20, 40, ..., 1000 (50 values), alpha in {0.5, 1.0, 1.2, ..., 2.0}, 4 seeds, 1e5 steps (``--paper``).

**Parts.** One part = one (task-vector kind, optimizer, steps, N, seed), holding the 7 alphas as the one sweep axis
(7 runs vmapped in one compiled block), in its own zarr store::

    <store>/<task vectors>/<optimizer>/steps<S>/N<N>_seed<s>.zarr

A run with more N values or more seeds computes only the parts that are missing; the alphas are always the paper's
seven, so no mode's part differs from another's in its alphas. Runs of different length are different parts
(``steps<S>``): a run of 1e5 steps cannot reuse one of 3000. The quick and default modes share their steps, so the
default mode reuses every part of a quick run in the same store. Fig. 18's non-modular data *is* the Fig. 10 SignGD
data: the same part, hence the same store, computed once when both scripts are given the same ``--store``. A part
is one block of `skillode.distributed.SweepStore`: an interrupted study resumes at its first unfinished part.

**What a part keeps** (`skillode.GeometrySweep`): the loss at t = 0 and at up to ``N_TIMES = 200`` log-spaced
record times (``RECORD_EVERY = 10`` steps), so that every record up to step 210 is kept (13 points, exactly at
80, 90, ..., 200, in the alpha_S window of Fig. 10) in a 1e5-step run as in a 3000-step one; no per-skill curves.
GeometrySweep also keeps, per skill, the learning time and the final skill level and loss (3 x 1000 numbers per
run); Fig. 18 reads the final skill levels (are the skills i <= N learned?).

**Analysis on what the store holds.** `load` reads every complete part of one (kind, optimizer, steps) present in
the store (`skillode.distributed.open_store`), whatever run wrote it; missing (N, seed) pairs are NaN.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import re
import time
from pathlib import Path

import numpy as np

N_SKILLS, BATCH, LR, DTYPE = 1000, 1024, 0.01, "float32"
ALPHAS = (0.5, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0)
RECORD_EVERY, N_TIMES = 10, 200
PAPER_NS = tuple(range(20, 1001, 20))

# (N values, seeds, steps) of each mode; quick and default share their steps so that default extends quick
STEPS = 3000
MODES = {
    "quick": {"fig10": (40, 100, 220), "fig18": (20, 100, 220), "seeds": 1, "steps": STEPS},
    "default": {"Ns": (20, 40, 60, 80, 100, 140, 180, 220, 300, 400), "seeds": 3, "steps": STEPS},
    "paper": {"Ns": PAPER_NS, "seeds": 4, "steps": 100_000},
}

_PART = re.compile(r"N(\d+)_seed(\d+)\.zarr$")


@dataclasses.dataclass(frozen=True)
class Part:
    """One part of the grid: one (task-vector kind, optimizer, steps, N, seed); the alphas are its sweep axis."""

    kind: str
    optimizer: str
    steps: int
    N: int
    seed: int

    def sweep(self):
        from skillode import GeometrySweep

        return GeometrySweep(axes={"alpha": list(ALPHAS)}, n=N_SKILLS, N=self.N, seed=self.seed, loss_kind="ce",
                             task_vectors=self.kind, batch_size=BATCH, optimizer=self.optimizer, learning_rate=LR,
                             dtype=DTYPE)

    def run(self, store=None, client=None):
        """The part's Dataset (into ``store`` when given; resumable)."""
        return self.sweep().run(self.steps, record_every=RECORD_EVERY, n_times=N_TIMES, store=store, client=client,
                                progress=False)

    def folder(self) -> tuple[str, str, str]:
        return self.kind, self.optimizer, f"steps{self.steps}"

    def path(self, ex) -> Path:
        return ex.store(*self.folder(), f"N{self.N:04d}_seed{self.seed}")


def add_grid_flags(ex, *, what: str) -> None:
    """``--paper``, ``--N``, ``--seeds`` and ``--steps`` (plus ``--store``, ``--workers``, ``--scheduler``)."""
    ex.add_sweep_flags()
    g = ex.parser.add_argument_group("the grid")
    g.add_argument("--paper", action="store_true",
                   help=f"the paper's full grid: {what}, N = 20..1000 (50 values), 4 seeds, 1e5 steps "
                        "(hours on a cluster or a GPU machine; resumable)")
    g.add_argument("--N", default=None, help="N values, comma separated or start:stop:step (inclusive), e.g. "
                                             "20:1000:20 (default: the mode's)")
    g.add_argument("--seeds", type=int, default=None, help="number of seeds 0..K-1 (quick 1, default 3, paper 4)")
    g.add_argument("--steps", type=int, default=None, help=f"steps per run (quick and default {STEPS}, paper 1e5)")


def parse_Ns(text: str) -> tuple[int, ...]:
    if ":" in text:
        a, b, c = (int(v) for v in text.split(":"))
        return tuple(range(a, b + 1, c))
    return tuple(int(v) for v in text.split(","))


def grid_of(args, script: str) -> dict:
    """The mode's ``{"mode", "Ns", "seeds", "steps"}`` after the flags."""
    if args.paper and args.quick:
        raise SystemExit("give --quick or --paper, not both")
    mode = "paper" if args.paper else "quick" if args.quick else "default"
    m = MODES[mode]
    Ns = m.get("Ns") or m[script]
    if args.N is not None:
        Ns = parse_Ns(args.N)
    seeds = args.seeds if args.seeds is not None else m["seeds"]
    steps = args.steps if args.steps is not None else m["steps"]
    if seeds < 1 or steps < 1 or steps % RECORD_EVERY or not Ns or min(Ns) < 1:
        raise SystemExit("need --seeds >= 1, --steps a positive multiple of 10 and N values >= 1")
    return {"mode": mode, "Ns": tuple(sorted(set(Ns))), "seeds": list(range(seeds)), "steps": int(steps)}


def parts_of(kind: str, optimizer: str, grid: dict) -> list[Part]:
    return [Part(kind, optimizer, grid["steps"], N, s) for N in grid["Ns"] for s in grid["seeds"]]


def _complete(path: Path) -> bool:
    from skillode.distributed import open_store

    if not path.exists():
        return False
    try:
        return open_store(path, complete=True) is not None
    except ValueError:
        return False  # not a store yet (e.g. a run killed while creating it): SweepStore decides


def run_parts(ex, parts: list[Part], client=None) -> dict:
    """Compute the parts the store does not hold yet (in process, or concurrently on the Dask ``client``).

    **Returns:** ``{"reused", "computed", "seconds"}``; ``seconds`` lists ``(kind, optimizer, N, seed, wall s,
    first)`` per computed part, ``first`` True for the first part of its (kind, optimizer, N) in this process (in
    process, that one pays the compilation; later seeds reuse the compiled program).
    """
    todo = [p for p in parts if not _complete(p.path(ex))]
    reused = len(parts) - len(todo)
    print(f"  parts: {len(parts)} asked, {reused} reused from the store, {len(todo)} to compute", flush=True)
    seconds = []
    seen = set()

    def one(part):
        t0 = time.perf_counter()
        part.run(store=part.path(ex), client=client)
        return time.perf_counter() - t0

    if client is None:
        for k, part in enumerate(todo):
            first = (part.kind, part.optimizer, part.N) not in seen
            seen.add((part.kind, part.optimizer, part.N))
            dt = one(part)
            seconds.append((part.kind, part.optimizer, part.N, part.seed, dt, first))
            print(f"    [{k + 1}/{len(todo)}] {part.kind} {part.optimizer} N = {part.N} seed {part.seed}: "
                  f"{dt:.1f} s", flush=True)
    else:  # parts are independent sweeps: several in flight so that every worker has a block
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        todo = sorted(todo, key=lambda p: -p.N)  # the largest first: a shorter tail
        with concurrent.futures.ThreadPoolExecutor(max_workers=2 * workers) as pool:
            futures = {pool.submit(one, p): p for p in todo}
            for k, fut in enumerate(concurrent.futures.as_completed(futures)):
                part = futures[fut]
                dt = fut.result()
                seconds.append((part.kind, part.optimizer, part.N, part.seed, dt, False))
                print(f"    [{k + 1}/{len(todo)}] {part.kind} {part.optimizer} N = {part.N} seed {part.seed}: "
                      f"{dt:.1f} s", flush=True)
    return {"reused": reused, "computed": len(todo), "seconds": seconds}


@dataclasses.dataclass
class Study:
    """What the store holds for one (kind, optimizer, steps): arrays over (N, seed, alpha[, t or skill])."""

    kind: str
    optimizer: str
    steps: int
    Ns: np.ndarray
    seeds: np.ndarray
    alphas: np.ndarray
    t: np.ndarray
    loss: np.ndarray  # (N, seed, alpha, t), NaN where a part is missing
    final_level: np.ndarray | None  # (N, seed, alpha, skill) if asked
    paths: list[str]
    bytes_on_disk: int
    incomplete: list[str]

    def index(self, N: int) -> int:
        hit = np.flatnonzero(self.Ns == N)
        if not hit.size:
            raise KeyError(f"N = {N} is not in the store ({self.kind}, {self.optimizer})")
        return int(hit[0])

    def has(self, N: int) -> bool:
        return bool(np.any(self.Ns == N))

    def final(self) -> np.ndarray:
        """Final loss (N, seed, alpha)."""
        return self.loss[..., -1]

    def median_final(self) -> np.ndarray:
        """Median over the seeds present of the final loss, (alpha, N)."""
        return np.nanmedian(self.final(), axis=1).T

    def n_seeds(self) -> np.ndarray:
        """Seeds present per N."""
        return np.isfinite(self.final()[..., 0]).sum(axis=1)


def _disk_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def load(ex, kind: str, optimizer: str, steps: int, *, final_level: bool = False) -> Study:
    """Every complete part of (kind, optimizer, steps) that the store holds, as one `Study`."""
    from skillode.distributed import open_store

    folder = ex.store(kind, optimizer, f"steps{steps}", "_").parent
    found, incomplete = [], []
    for path in sorted(folder.glob("N*_seed*.zarr")):
        m = _PART.search(path.name)
        if m is None:
            continue
        try:
            ds = open_store(path, complete=True)
        except ValueError:
            ds = None
        if ds is None:
            incomplete.append(path.name)
            continue
        if not np.allclose(ds.alpha.values, ALPHAS):
            raise ValueError(f"{path} holds alphas {ds.alpha.values}, not {ALPHAS}")
        found.append((int(m.group(1)), int(m.group(2)), ds, path))
    if not found:
        raise SystemExit(f"no complete part of {kind}/{optimizer}/steps{steps} in {folder}")
    Ns = np.array(sorted({f[0] for f in found}))
    seeds = np.array(sorted({f[1] for f in found}))
    t = found[0][2].t.values
    loss = np.full((Ns.size, seeds.size, len(ALPHAS), t.size), np.nan)
    levels = np.full((Ns.size, seeds.size, len(ALPHAS), N_SKILLS), np.nan) if final_level else None
    for N, s, ds, path in found:
        if not np.array_equal(ds.t.values, t):
            raise ValueError(f"{path} holds other record times than its siblings")
        i, j = int(np.flatnonzero(Ns == N)[0]), int(np.flatnonzero(seeds == s)[0])
        loss[i, j] = ds.loss.values
        if final_level:
            levels[i, j] = ds.final_skill_level.values
    size = sum(_disk_bytes(f[3]) for f in found)
    return Study(kind, optimizer, steps, Ns, seeds, np.asarray(ALPHAS), t, loss, levels,
                 [str(f[3].relative_to(folder.parent.parent.parent)) for f in found], size, incomplete)


def describe(study: Study) -> str:
    per = study.bytes_on_disk / max(1, len(study.paths))
    counts = study.n_seeds()
    return (f"{study.kind}/{study.optimizer}/steps{study.steps}: {len(study.paths)} complete parts, "
            f"N = {', '.join(str(n) for n in study.Ns)} (seeds per N {min(counts)}..{max(counts)}), "
            f"{study.bytes_on_disk / 2**20:.2f} MiB on disk ({per / 1024:.0f} KiB per part of 7 runs)"
            + (f"; skipped {len(study.incomplete)} incomplete" if study.incomplete else ""))


def median_curve(study: Study, N: int) -> np.ndarray:
    """Loss against t at ``N``, median over the seeds present, (alpha, t)."""
    return np.nanmedian(study.loss[study.index(N)], axis=0)


def loglog_at(t: np.ndarray, y: np.ndarray, t0: float) -> float:
    """``y`` at ``t0`` by linear interpolation in log-log (t > 0, y > 0)."""
    ok = (t > 0) & np.isfinite(y) & (y > 0)
    return float(np.exp(np.interp(np.log(t0), np.log(t[ok]), np.log(y[ok]))))


def time_probe(kind: str, optimizer: str, N: int, steps: int = 300, repeats: int = 3) -> dict:
    """Time one part's program (7 alphas vmapped) for ``steps`` steps in memory: the first call compiles and runs,
    ``repeats`` more calls only run; the fastest of those is kept (the least disturbed by other processes).
    **Returns** ``{"N", "compile_s", "run_s", "per_run_step_s"}``."""
    part = Part(kind, optimizer, steps, N, 0)
    t0 = time.perf_counter()
    part.run()
    first = time.perf_counter() - t0
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        part.run()
        runs.append(time.perf_counter() - t0)
    best = min(runs)
    return {"N": N, "compile_s": max(first - best, 0.0), "run_s": best,
            "per_run_step_s": best / (len(ALPHAS) * steps)}


def fit_cost(probes: list[dict]) -> dict:
    """Least-squares ``cost(N) = a + b N`` (seconds per run-step) over the probes, with its worst relative miss."""
    N = np.array([p["N"] for p in probes], float)
    c = np.array([p["per_run_step_s"] for p in probes])
    b, a = np.polyfit(N, c, 1)
    miss = float(np.max(np.abs(a + b * N - c) / c))
    return {"a_s": float(a), "b_s_per_N": float(b), "worst_rel_miss": miss,
            "compile_s_mean": float(np.mean([p["compile_s"] for p in probes]))}


def grid_seconds(cost: dict, Ns, runs_per_N: int, steps: int) -> float:
    """Run time of ``runs_per_N`` runs of ``steps`` steps at each of ``Ns`` under ``cost`` (one worker)."""
    return float(sum((cost["a_s"] + cost["b_s_per_N"] * N) * runs_per_N * steps for N in Ns))


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"
