r"""Studies that outgrow one process: run a sweep's blocks in process or on a Dask cluster, into a zarr store.

Every sweep (`skillode.Sweep`, `skillode.GeometrySweep`, `skillode.networks.TrainingSweep`) is a grid of runs
cut into rectangular blocks (`skillode._grid`); ``sweep.run(..., store=, client=)`` hands its plan to `execute`:

- ``client=None`` (the default): blocks run one after another in this process — no cluster needed;
- ``client=`` a ``dask.distributed.Client``: each block is a Dask task on the cluster's workers (a
  `local_cluster`, a `slurm_cluster`, or any scheduler address). At most ``max_in_flight`` blocks (default two per
  worker) are submitted at a time and their results written as they arrive, so the client holds a few blocks in
  memory whatever the grid size;
- ``store=None``: results are gathered in memory and returned as one Dataset;
- ``store="path.zarr"``: each finished block is written to its region of a zarr store (xarray
  ``to_zarr(region=...)``) and then marked done. A rerun of the same sweep skips the done blocks, so an
  interrupted run resumes where it stopped; a store made by a different sweep is refused (`SweepStore`). The
  returned Dataset is read from the store, lazily (Dask arrays) when it is larger than ``load_below`` bytes.

Fault tolerance comes from Dask: a worker that dies takes its running block with it, and the scheduler reruns
that block elsewhere. A block is a pure function of the sweep and its index (seeds are per run), so a rerun gives
the same numbers, and a block is written only once its whole result has arrived: the store never holds half a
block. Only the client writes to the store (one writer; results travel worker -> client), which keeps the store
consistent without locks; the results of a block are small (final losses, learning times, curves at a cadence).

Examples:
    >>> from skillode import Sweep
    >>> sweep = Sweep(axes={"N0": [0.0, 0.1], "alpha": [1.0, 2.0]}, n=5, eta=0.019)
    >>> ds = sweep.run([0.0, 100.0, 200.0], progress=False)          # in process, in memory
    >>> ds.skill_level.dims
    ('N0', 'alpha', 'skill', 't')

    With a store and a cluster (not run here)::

        from skillode.distributed import local_cluster
        if __name__ == "__main__":               # in a script: the workers re-run it
            with local_cluster(2) as client:
                ds = sweep.run(ts, store="sweep.zarr", client=client)
"""

from __future__ import annotations

import collections
import itertools
import math
import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from .._validate import check_int
from .grid import AbstractGridPlan
from .store import LOAD_BELOW, SweepStore

__all__ = ["dry_run", "execute", "format_dry_run"]


def _grid_points(grid, index) -> int:
    return math.prod(grid.extent(index))


_PLANS: collections.OrderedDict = collections.OrderedDict()


def _compute_block(plan: AbstractGridPlan, index: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Run on a worker: one block. Plans are cached per process by fingerprint, so the compiled functions of the
    first block serve the later ones (a freshly unpickled plan would not hash equal to the first)."""
    key = plan.fingerprint()
    cached = _PLANS.get(key)
    if cached is None:
        _PLANS[key] = cached = plan
        while len(_PLANS) > 4:
            _PLANS.popitem(last=False)
    return cached.compute(tuple(int(i) for i in index))


def _check_coordinates(plan: AbstractGridPlan) -> None:
    """Build the plan's Dataset around zero-stride NaN views (no memory, no Dask graph): its coordinates fail
    here, before any block runs."""
    grid = plan.grid
    plan.dataset({name: np.broadcast_to(np.float64(np.nan), (*grid.shape, *shape))
                  for name, (_, shape) in plan.variables().items()})


class _NoBar:
    """What ``progress=False`` uses instead of a disabled tqdm bar."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def update(self, n=1) -> None:
        pass


def _n_workers(client) -> int:
    return len(client.scheduler_info().get("workers", {}))


class _Job(NamedTuple):
    """One plan's share of an execution: the blocks still to run and where each result goes."""

    plan: AbstractGridPlan
    todo: list  # block indices, in the order they are submitted
    accept: Callable[[tuple[int, ...], dict], None]  # called once per finished block, in this process
    label: str  # names the plan in errors ("sweep", "part {...}")


def _run_blocks(jobs, *, client=None, progress: bool = True, desc: str = "sweep",
                max_in_flight: int | None = None) -> None:
    """The one execution loop: every block of every job, in process or on a Dask ``client``, one progress bar.

    In process, blocks run one after another in job order. On a client, at most ``max_in_flight`` blocks (default
    two per worker, at least 2) are in flight at a time, drawn from all jobs in order, so several plans (the parts
    of a study) keep every worker busy without a thread pool; results are accepted here as they arrive. The bar
    counts grid points (runs) of all jobs, the ones done before this call included, and, with several jobs, the
    jobs finished.
    """
    total = sum(job.plan.grid.size for job in jobs)
    left = sum(_grid_points(job.plan.grid, b) for job in jobs for b in job.todo)
    remaining = [len(job.todo) for job in jobs]
    finished = sum(r == 0 for r in remaining)
    several = progress and len(jobs) > 1
    with (tqdm(total=total, initial=total - left, desc=desc, unit="run", leave=False) if progress
          else _NoBar()) as bar:
        if several:
            bar.set_postfix_str(f"{finished}/{len(jobs)} parts")

        def accept(j, index, arrays):
            nonlocal finished
            job = jobs[j]
            job.accept(index, arrays)
            bar.update(_grid_points(job.plan.grid, index))
            remaining[j] -= 1
            if remaining[j] == 0 and several:
                finished += 1
                bar.set_postfix_str(f"{finished}/{len(jobs)} parts")

        tasks = ((j, index) for j, job in enumerate(jobs) for index in job.todo)
        if client is None:
            for j, index in tasks:
                try:
                    arrays = jobs[j].plan.compute(index)
                except Exception as err:
                    err.add_note(f"in block {index} of {jobs[j].label}")
                    raise
                accept(j, index, arrays)
        else:
            _run_on_client(client, jobs, tasks, accept, max_in_flight)


def _run_on_client(client, jobs, tasks, accept, max_in_flight) -> None:
    from distributed import as_completed

    tokens = [job.plan.fingerprint() for job in jobs]
    window = max_in_flight or max(2, 2 * _n_workers(client))
    blocks = {}  # future key -> (future, job number, block index), for the blocks in flight

    def submit(j, index):
        key = f"skillode-block-{tokens[j]}-{j}-" + "-".join(map(str, index))
        future = client.submit(_compute_block, jobs[j].plan, index, key=key)
        blocks[future.key] = (future, j, index)
        return future

    queue = as_completed([submit(j, b) for j, b in itertools.islice(tasks, window)])
    try:
        for future in queue:
            _, j, index = blocks.pop(future.key)
            try:
                result = future.result()
            except Exception as err:
                grid = jobs[j].plan.grid
                raise RuntimeError(f"{jobs[j].label} block {index} (grid region {grid.region(index)}) failed: "
                                   f"{err}") from err
            future.release()
            accept(j, index, result)
            nxt = next(tasks, None)
            if nxt is not None:
                queue.add(submit(*nxt))
    finally:
        if blocks:  # an error: do not leave the other blocks running on the cluster
            client.cancel([future for future, _, _ in blocks.values()], force=True)


def execute(
    plan: AbstractGridPlan,
    *,
    store=None,
    client=None,
    progress: bool = True,
    desc: str = "sweep",
    max_in_flight: int | None = None,
    load_below: int = LOAD_BELOW,
) -> xr.Dataset:
    """Run every block of ``plan`` and return the sweep's Dataset (see the module docstring).

    **Arguments:**

    - `plan`: the sweep's plan.
    - `store`: ``None`` (results in memory) or a path ending in ``.zarr`` (`SweepStore`; resumable).
    - `client`: ``None`` (in process) or a ``dask.distributed.Client``.
    - `progress`: a tqdm bar counting finished runs (grid points), across all workers.
    - `max_in_flight`: blocks submitted to the cluster at a time (default two per worker, at least 2).
    - `load_below`: with a store, load the result into memory when smaller than this many bytes.
    """
    grid = plan.grid
    if max_in_flight is not None:
        max_in_flight = check_int(max_in_flight, "max_in_flight")
    variables = plan.variables()
    sweep_store = None if store is None else SweepStore(store, plan)
    if sweep_store is None:
        todo = list(grid.block_indices())
        if len(todo) > 1 or client is not None:  # one block in process: its Dataset is built right after it
            _check_coordinates(plan)  # bad coordinates fail now, not after the last block
        out = {name: np.full((*grid.shape, *shape), np.nan) for name, (_, shape) in variables.items()}
    else:
        todo = [b for b in grid.block_indices() if not sweep_store.done(b)]

    def accept(index, arrays):
        if sweep_store is not None:
            sweep_store.write(index, arrays)
        else:
            region = grid.region(index)
            for name in variables:
                out[name][region] = arrays[name]

    _run_blocks([_Job(plan, todo, accept, "sweep")], client=client, progress=progress, desc=desc,
                max_in_flight=max_in_flight)
    if sweep_store is not None:
        return plan.finish(sweep_store.open(load_below))
    return plan.dataset(out)


# ---------------------------------------------------------------------------------------------------------- dry run


def dry_run(plan: AbstractGridPlan, *, workers: int = 1, repeats: int = 1) -> dict:
    """Time one block of (a cheaper probe of) ``plan`` and estimate the whole sweep; nothing is stored.

    The probe block runs once to compile and ``repeats`` more times to time it; the estimate is
    ``seconds per block x probe factor x blocks / workers`` (compilation, once per static value per worker, is
    reported separately).

    **Returns:** a dict with ``runs``, ``blocks``, ``block_shape``, ``compile_s``, ``block_s`` (one block of the full
    plan), ``estimate_s`` (all blocks on ``workers`` workers), ``store_bytes`` (uncompressed upper bound) and
    ``compiled_programs`` (distinct static combinations).
    """
    workers = check_int(workers, "workers")
    probe, factor = plan.probe()
    first = next(probe.grid.block_indices())
    t0 = time.perf_counter()
    probe.compute(first)
    first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(check_int(repeats, "repeats")):
        probe.compute(first)
    run_s = (time.perf_counter() - t0) / repeats
    grid = plan.grid
    statics = math.prod(n for n, s in zip(grid.shape, grid.static) if s)
    block_s = run_s * factor
    return {
        "runs": grid.size,
        "blocks": grid.n_blocks,
        "block_shape": dict(zip(grid.names, grid.block)),
        "compile_s": max(first_s - run_s, 0.0),
        "block_s": block_s,
        "estimate_s": block_s * grid.n_blocks / workers,
        "workers": workers,
        "store_bytes": plan.nbytes(),
        "compiled_programs": statics,
    }


def format_dry_run(info: dict) -> str:
    """`dry_run`'s result (or `skillode.sweeps.Study.dry_run`'s) as the lines the command line prints."""
    if "parts" in info:
        return "\n".join([
            f"study: {info['parts']} parts ({info['parts_missing']} to compute), {info['runs']} runs in "
            f"{info['blocks']} blocks ({info['blocks_missing']} to compute)",
            f"probes: one part per {', '.join(info['by'])} with blocks to compute: {info['programs']} probed, "
            f"compile {info['compile_s']:.1f} s in all",
            f"estimated run time on {info['workers']} worker(s): {_duration(info['estimate_s'])} "
            "(plus one compilation per program per worker)",
            f"store size: at most {info['store_bytes'] / 2**20:.1f} MiB (uncompressed)",
        ])
    shape = " x ".join(f"{k}:{v}" for k, v in info["block_shape"].items())
    return "\n".join([
        f"grid: {info['runs']} runs in {info['blocks']} blocks of {shape} "
        f"({info['compiled_programs']} compiled program(s))",
        f"probe block: compile {info['compile_s']:.2f} s, {info['block_s']:.3g} s per block",
        f"estimated run time on {info['workers']} worker(s): {_duration(info['estimate_s'])} "
        "(plus one compilation per program per worker)",
        f"store size: at most {info['store_bytes'] / 2**20:.1f} MiB (uncompressed)",
    ])


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
