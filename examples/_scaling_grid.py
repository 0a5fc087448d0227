"""The grid of the scaling studies (arXiv:2501.12391, Figs. 10 and 18): its settings, modes and parts.

Both `fig10_scaling.py` and `fig18_modular_scaling.py` run Geometry-model sweeps on one grid: n = 1000 skills with
Zipf(alpha) frequencies, CE loss, batch B = 1024, learning rate 0.01, float32, and

- task vectors ``random_unit`` (the "non-modular" model; SignGD and Adam) or ``one_hot`` (the "modular" model of
  Fig. 18; SignGD);
- N = 20, 40, ..., 1000 (50 values), alpha in {0.5, 1.0, 1.2, ..., 2.0}, 4 seeds, 1e5 steps (``--paper``).

**Parts.** The grid is a `skillode.sweeps.Study` whose parts have the coordinates ``(task_vectors, optimizer,
steps, N, seed)``; a part is one `skillode.GeometrySweep` over the 7 alphas (7 runs vmapped in one compiled block)
in its own zarr store under ``<store>/scaling``. A run with more N values or more seeds computes only the parts that
are missing; the alphas are always the paper's seven, so no mode's part differs from another's in its alphas. Runs
of different length are different parts (``steps``): a run of 1e5 steps cannot reuse one of 3000. The quick and
default modes share their steps, so the default mode reuses every part of a quick run in the same store. Fig. 18's
non-modular data *is* the Fig. 10 SignGD data: the same part, hence the same store, computed once when both scripts
are given the same ``--store``. Fig. 10 adds two sets of parts in the default mode (``extras``, see `SETTLED` and
`ALPHA_S_RUNS`): 3e4-step runs at N = 40, 100, 220 (4 seeds), where the final loss has settled, and 16 seeds of 200
steps at N = 100, the single-seed distribution of alpha_S; ``--paper`` adds the second.

**What a part keeps** (`skillode.GeometrySweep`): the loss at t = 0 and at up to ``N_TIMES = 200`` log-spaced
record times (``RECORD_EVERY = 10`` steps), so that every record up to step 210 is kept (13 points, exactly at
80, 90, ..., 200, in the alpha_S window of Fig. 10) in a 1e5-step run as in a 3000-step one; no per-skill curves.
GeometrySweep also keeps, per skill, the learning time and the final skill level and loss (3 x 1000 numbers per
run); Fig. 18 reads the final skill levels (are the skills i <= N learned?).

**Analysis on what the store holds.** `held` reads every complete part of one (task vectors, optimizer, steps)
under the store (`skillode.sweeps.Study.open`), whatever run wrote it; missing (N, seed) pairs are NaN.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np

from skillode.sweeps import Part, Study

N_SKILLS, BATCH, LR, DTYPE = 1000, 1024, 0.01, "float32"
ALPHAS = (0.5, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0)
RECORD_EVERY, N_TIMES = 10, 200
PAPER_NS = tuple(range(20, 1001, 20))
COORDS = ("task_vectors", "optimizer", "steps", "N", "seed")
PROGRAM = ("task_vectors", "optimizer", "steps", "N")  # what changes a part's compiled program and its cost

# (N values, seeds, steps) of each mode; quick and default share their steps so that default extends quick
STEPS = 3000
# Fig. 10's two extra sets of parts (``extras``), chosen by measurement (docs/paper.md):
# - "settled": the final loss where it has stopped moving, for alpha_N and the N = 100 plateau: 3e4 steps at the
#   N of the paper's two-point window (40, 220) and N = 100, 4 seeds as in the paper. Measured (seed 0; Adam to 1e5
#   steps at N = 220): Adam's two-point alpha_N at 3e4 steps is within 0.01 of its value at 1e5 at every alpha; at
#   3000 steps it is up to 0.38 lower (alpha = 2), at 1e4 up to 0.09; SignGD's moves by <= 0.014 from 1e4 to 3e4.
# - "alpha_S": 16 seeds of 200 steps at N = 100, the distribution of the single-seed alpha_S (the paper's is one
#   seed's); a run's first 200 steps do not depend on its length.
SETTLED = {"Ns": (40, 100, 220), "seeds": 4, "steps": 30_000}
ALPHA_S_RUNS = {"Ns": (100,), "seeds": 16, "steps": 200}
MODES = {
    "quick": {"fig10": (40, 100, 220), "fig18": (20, 100, 220), "seeds": 1, "steps": STEPS, "extras": {}},
    "default": {"Ns": (20, 40, 60, 80, 100, 140, 180, 220, 300, 400), "seeds": 3, "steps": STEPS,
                "extras": {"settled": SETTLED, "alpha_S": ALPHA_S_RUNS}},
    "paper": {"Ns": PAPER_NS, "seeds": 4, "steps": 100_000, "extras": {"alpha_S": ALPHA_S_RUNS}},
}


def part(task_vectors: str, optimizer: str, steps: int, N: int, seed: int) -> Part:
    """One part of the grid: the GeometrySweep over the 7 alphas at these coordinates, and what it keeps."""
    from skillode import GeometrySweep

    sweep = GeometrySweep(axes={"alpha": list(ALPHAS)}, n=N_SKILLS, N=N, seed=seed, loss_kind="ce",
                          task_vectors=task_vectors, batch_size=BATCH, optimizer=optimizer, learning_rate=LR,
                          dtype=DTYPE)
    coords = dict(zip(COORDS, (task_vectors, optimizer, steps, N, seed)))
    return Part(coords, sweep.plan(steps, record_every=RECORD_EVERY, n_times=N_TIMES))


def study_of(ex, kinds_optimizers, grid: dict, extras: tuple[str, ...] = ()) -> Study:
    """The study of the mode's parts for each (task vectors, optimizer), under ``<store>/scaling``, plus the parts of
    the mode's ``extras`` named (a part two sets share is asked once)."""
    sets = [grid] + [grid["extras"][name] for name in extras if name in grid["extras"]]
    parts, seen = [], set()
    for g in sets:
        seeds = g["seeds"] if isinstance(g["seeds"], (list, tuple)) else range(g["seeds"])
        for kind, opt in kinds_optimizers:
            for N in g["Ns"]:
                for s in seeds:
                    key = (kind, opt, g["steps"], N, s)
                    if key not in seen:
                        seen.add(key)
                        parts.append(part(*key))
    return Study(ex.study_root("scaling"), parts)


def run(study: Study, client, progress: bool) -> dict:
    """Compute the parts the store lacks; **returns** ``{"asked", "reused", "computed", "seconds"}``."""
    missing = len(study.missing())
    reused = len(study.parts) - missing
    print(f"  parts: {len(study.parts)} asked, {reused} reused from the store, {missing} to compute", flush=True)
    t0 = time.perf_counter()
    study.run(client=client, progress=progress)
    seconds = time.perf_counter() - t0
    if missing:
        print(f"  computed {missing} parts in {seconds:.1f} s", flush=True)
    return {"asked": len(study.parts), "reused": reused, "computed": missing, "seconds": seconds}


def add_grid_flags(ex, *, what: str) -> None:
    """``--paper``, ``--N``, ``--seeds`` and ``--steps`` (plus the flags of where the study runs)."""
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
    return {"mode": mode, "Ns": tuple(sorted(set(Ns))), "seeds": list(range(seeds)), "steps": int(steps),
            "extras": dict(m["extras"])}


# ------------------------------------------------------------------------------------------------ the analysis view
@dataclasses.dataclass
class Held:
    """What the store holds for one (task vectors, optimizer, steps): arrays over (N, seed, alpha[, t or skill])."""

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
    incomplete: int

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


def held(root: Path, kind: str, optimizer: str, steps: int, *, final_level: bool = False) -> Held:
    """Every complete part of (kind, optimizer, steps) under ``root``, as one `Held`."""
    ds = Study.open(root, where={"task_vectors": kind, "optimizer": optimizer, "steps": steps},
                    variables=["loss", "final_skill_level"] if final_level else ["loss"])
    ds = ds.squeeze(["task_vectors", "optimizer", "steps"]).transpose("N", "seed", "alpha", ...)
    if not np.allclose(ds.alpha.values, ALPHAS):
        raise ValueError(f"the store holds alphas {ds.alpha.values}, not {ALPHAS}")
    paths = sorted(s for s in ds.part_store.values.ravel() if s)
    size = sum(f.stat().st_size for p in paths for f in (root / p).rglob("*") if f.is_file())
    return Held(kind, optimizer, steps, ds.N.values, ds.seed.values, ds.alpha.values, ds.t.values,
                ds.loss.transpose("N", "seed", "alpha", "t").values,
                ds.final_skill_level.transpose("N", "seed", "alpha", "skill").values if final_level else None,
                paths, size, ds.attrs["parts_total"] - ds.attrs["parts_complete"])


def describe(h: Held) -> str:
    per = h.bytes_on_disk / max(1, len(h.paths))
    counts = h.n_seeds()
    return (f"{h.kind}/{h.optimizer}/steps{h.steps}: {len(h.paths)} complete parts, "
            f"N = {', '.join(str(n) for n in h.Ns)} (seeds per N {min(counts)}..{max(counts)}), "
            f"{h.bytes_on_disk / 2**20:.2f} MiB on disk ({per / 1024:.0f} KiB per part of 7 runs)"
            + (f"; skipped {h.incomplete} incomplete" if h.incomplete else ""))


def median_curve(h: Held, N: int) -> np.ndarray:
    """Loss against t at ``N``, median over the seeds present, (alpha, t)."""
    return np.nanmedian(h.loss[h.index(N)], axis=0)


def loglog_at(t: np.ndarray, y: np.ndarray, t0: float) -> float:
    """``y`` at ``t0`` by linear interpolation in log-log (t > 0, y > 0)."""
    ok = (t > 0) & np.isfinite(y) & (y > 0)
    return float(np.exp(np.interp(np.log(t0), np.log(t[ok]), np.log(y[ok]))))
