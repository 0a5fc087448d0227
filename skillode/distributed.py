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
        with local_cluster(2) as client:
            ds = sweep.run(ts, store="sweep.zarr", client=client)
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from ._grid import AbstractGridPlan
from ._validate import check_int

__all__ = ["SweepStore", "dry_run", "execute", "local_cluster", "open_store", "slurm_cluster"]

LOAD_BELOW = 256 * 2**20
"""Datasets read back from a store smaller than this (bytes, uncompressed) are loaded into memory."""

_META = "skillode"  # the store's bookkeeping group: the block-write counts


class SweepStore:
    """A zarr store that holds one sweep's results, block by block.

    **Arguments:**

    - `path`: a directory path ending in ``.zarr``. If it does not exist, the store is created with every output
      variable's full shape (zarr chunks = the sweep's blocks, filled with NaN) and the sweep's fingerprint in
      its ``attrs``; if it exists, it must hold the same sweep (same fingerprint) or ``ValueError`` is raised.
    - `plan`: the sweep's plan (`skillode._grid.AbstractGridPlan`).

    Next to the Dataset, the store keeps ``skillode/writes``: how many times each block was written (0 = not done).
    """

    def __init__(self, path, plan: AbstractGridPlan):
        import zarr

        self.path = Path(path)
        self.plan = plan
        if self.path.suffix != ".zarr":
            raise ValueError(f"store must be a path ending in .zarr, got {str(path)!r}")
        fingerprint = plan.fingerprint()
        if self.path.exists():
            try:
                found = dict(zarr.open_group(str(self.path), mode="r", use_consolidated=False).attrs)
            except Exception as err:  # noqa: BLE001 - any failure to read means: not a store we made
                raise ValueError(f"{self.path} exists and is not a zarr store; use a new path") from err
            if "skillode_sweep" not in found:
                raise ValueError(f"{self.path} is a zarr store but not a skillode sweep store; use a new path")
            if found["skillode_sweep"] != fingerprint:
                raise ValueError(
                    f"store {self.path} holds a different sweep (fingerprint {found['skillode_sweep']}, this sweep "
                    f"{fingerprint}: axes, parameters, times or block size differ); use a new path or delete it"
                )
        else:
            if not self.path.parent.is_dir():
                raise ValueError(f"the store's folder {str(self.path.parent)!r} does not exist")
            self._create(fingerprint)
        self._writes = zarr.open_array(str(self.path / _META / "writes"), mode="r+")

    def _create(self, fingerprint: str) -> None:
        import zarr

        grid = self.plan.grid
        template = _template(self.plan)
        template.attrs["skillode_sweep"] = fingerprint
        template.attrs["skillode_spec"] = json.dumps(self.plan.spec(), sort_keys=True, default=str)
        template.to_zarr(self.path, mode="w-", compute=False, consolidated=False)
        meta = zarr.open_group(str(self.path), mode="r+", use_consolidated=False).require_group(_META)
        meta.create_array("writes", shape=grid.blocks_shape, chunks=(1,) * len(grid.blocks_shape), dtype="int32",
                          fill_value=0)

    def writes(self) -> np.ndarray:
        """How many times each block was written, shape ``grid.blocks_shape``."""
        return np.asarray(self._writes[...])

    def done(self, index: tuple[int, ...]) -> bool:
        return bool(self._writes[index] > 0)

    def write(self, index: tuple[int, ...], arrays: dict[str, np.ndarray]) -> None:
        """Write block ``index`` to its region, then mark it done (a crash in between only redoes the block)."""
        grid = self.plan.grid
        region = dict(zip(grid.dims, grid.region(index)))
        data = {}
        for name, (tail_dims, _) in self.plan.variables().items():
            data[name] = ((*grid.dims, *tail_dims), np.asarray(arrays[name], dtype=np.float64))
            region.update({d: slice(None) for d in tail_dims})
        xr.Dataset(data).to_zarr(self.path, region=region, mode="r+", consolidated=False)
        self._writes[index] = self._writes[index] + 1

    def open(self, load_below: int = LOAD_BELOW) -> xr.Dataset:
        """The sweep's Dataset from the store: loaded when smaller than ``load_below`` bytes, else lazy."""
        ds = xr.open_zarr(self.path, consolidated=False)[list(self.plan.variables())]  # the plan's order
        ds.attrs.pop("skillode_spec", None)
        return ds.load() if ds.nbytes < load_below else ds


def open_store(path, *, complete: bool = True, load_below: int = LOAD_BELOW) -> xr.Dataset | None:
    """Read a sweep store without its sweep: what a study has computed so far.

    **Arguments:**

    - `path`: a store written by `execute` (``sweep.run(..., store=path)``).
    - `complete`: if True (default), return ``None`` unless every block has been written (an interrupted or
      still-running sweep); if False, return the Dataset as it is, NaN where a block is missing.
    - `load_below`: loaded into memory when smaller than this many bytes, else lazy (Dask arrays).

    **Returns:** the Dataset, with ``attrs["blocks_done"]`` and ``attrs["blocks_total"]``; ``None`` (see
    `complete`). Raises ``ValueError`` if `path` is not a skillode sweep store.
    """
    import zarr

    path = Path(path)
    try:
        group = zarr.open_group(str(path), mode="r", use_consolidated=False)
        attrs = dict(group.attrs)
        writes = np.asarray(zarr.open_array(str(path / _META / "writes"), mode="r")[...])
    except Exception as err:  # noqa: BLE001 - any failure to read means: not a store we made
        raise ValueError(f"{path} is not a readable zarr store") from err
    if "skillode_sweep" not in attrs:
        raise ValueError(f"{path} is a zarr store but not a skillode sweep store")
    done, total = int((writes > 0).sum()), int(writes.size)
    if complete and done < total:
        return None
    ds = xr.open_zarr(path, consolidated=False)
    ds.attrs.pop("skillode_spec", None)
    ds.attrs.update(blocks_done=done, blocks_total=total)
    return ds.load() if ds.nbytes < load_below else ds


def _template(plan: AbstractGridPlan) -> xr.Dataset:
    """The plan's Dataset around lazy NaN arrays chunked by block: the store's layout, and a check of the
    coordinates before any block runs."""
    import dask.array as da

    grid = plan.grid
    return plan.dataset({
        name: da.full((*grid.shape, *shape), np.nan, chunks=(*grid.block, *shape), dtype=np.float64)
        for name, (_, shape) in plan.variables().items()
    })


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


def _n_workers(client) -> int:
    return len(client.scheduler_info().get("workers", {}))


def _run_on_client(client, plan, todo, accept, max_in_flight) -> None:
    from distributed import as_completed

    grid = plan.grid
    token = plan.fingerprint()
    window = max_in_flight or max(2, 2 * _n_workers(client))
    pending = iter(todo)
    blocks = {}  # future key -> (future, block index), for the blocks in flight

    def submit(index):
        key = f"skillode-block-{token}-" + "-".join(map(str, index))
        future = client.submit(_compute_block, plan, index, key=key)
        blocks[future.key] = (future, index)
        return future

    queue = as_completed([submit(b) for b in itertools.islice(pending, window)])
    try:
        for future in queue:
            _, index = blocks.pop(future.key)
            try:
                result = future.result()
            except Exception as err:
                raise RuntimeError(f"sweep block {index} (grid region {grid.region(index)}) failed: {err}") from err
            future.release()
            accept(index, result)
            nxt = next(pending, None)
            if nxt is not None:
                queue.add(submit(nxt))
    finally:
        if blocks:  # an error: do not leave the other blocks running on the cluster
            client.cancel([future for future, _ in blocks.values()], force=True)


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
        _template(plan)  # bad coordinates fail now, not after the last block
        out = {name: np.full((*grid.shape, *shape), np.nan) for name, (_, shape) in variables.items()}
        todo = list(grid.block_indices())
    else:
        todo = [b for b in grid.block_indices() if not sweep_store.done(b)]
    done_points = grid.size - sum(_grid_points(grid, b) for b in todo)
    with tqdm(total=grid.size, initial=done_points, desc=desc, unit="run", disable=not progress,
              leave=False) as bar:

        def accept(index, arrays):
            if sweep_store is not None:
                sweep_store.write(index, arrays)
            else:
                region = grid.region(index)
                for name in variables:
                    out[name][region] = arrays[name]
            bar.update(_grid_points(grid, index))

        if client is None:
            for index in todo:
                accept(index, plan.compute(index))
        else:
            _run_on_client(client, plan, todo, accept, max_in_flight)
    if sweep_store is not None:
        return sweep_store.open(load_below)
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
    """`dry_run`'s result as the lines the command line prints."""
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


# ---------------------------------------------------------------------------------------------------------- clusters


@contextlib.contextmanager
def local_cluster(n_workers: int, *, threads_per_worker: int = 1, dashboard_address: str | None = ":0",
                  env: dict | None = None, **kwargs):
    """A ``LocalCluster`` of ``n_workers`` worker *processes* and a ``Client`` on it, closed on exit.

    One task thread per worker: a block is one compiled XLA program that uses the process's cores itself.
    ``dashboard_address=":0"`` picks a free port (``client.dashboard_link``); ``None`` turns the dashboard off.
    ``env`` sets environment variables in the workers (e.g. ``XLA_FLAGS``). Other keywords go to ``LocalCluster``.
    """
    from distributed import Client, LocalCluster

    n_workers = check_int(n_workers, "n_workers")
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=check_int(threads_per_worker, "threads_per_worker"),
                           processes=True, dashboard_address=dashboard_address, env=env or {}, **kwargs)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def slurm_cluster(
    *,
    cores: int,
    memory: str,
    walltime: str,
    gpus: int = 0,
    queue: str | None = None,
    account: str | None = None,
    python: str | None = None,
    prologue: Sequence[str] = (),
    **kwargs,
):
    """A ``dask_jobqueue.SLURMCluster`` set up for skillode's blocks (needs the ``cluster`` extra).

    Each SLURM job runs one Dask worker process with one task thread: a block is one XLA program, which uses all
    of the job's ``cores`` (``#SBATCH --cpus-per-task``) and its ``gpus`` (``--gres=gpu:k``) by itself. Scale it
    with ``cluster.scale(jobs=k)`` or ``cluster.adapt(...)`` and connect ``Client(cluster)``.

    **Arguments:** `cores` (CPU cores per job), `memory` (per job, e.g. ``"16GB"``), `walltime` (``"HH:MM:SS"``),
    `gpus` (per job), `queue` (partition), `account`, `python` (the interpreter on the nodes, default this one),
    `prologue` (shell lines run before the worker starts, e.g. ``"source .venv/bin/activate"``); other keywords go
    to ``SLURMCluster``.
    """
    try:
        from dask_jobqueue import SLURMCluster
    except ImportError:
        raise ImportError("slurm_cluster needs dask-jobqueue: pip install 'skillode[cluster]'") from None
    cores = check_int(cores, "cores")
    gpus = check_int(gpus, "gpus", 0)
    directives = [f"--gres=gpu:{gpus}"] if gpus else []
    directives += list(kwargs.pop("job_extra_directives", []))
    lines = list(prologue)
    if gpus:  # several blocks in a row on one GPU: do not let the first grab all of its memory
        lines.append("export XLA_PYTHON_CLIENT_PREALLOCATE=false")
    return SLURMCluster(
        cores=1,
        processes=1,
        job_cpu=cores,
        memory=memory,
        walltime=walltime,
        queue=queue,
        account=account,
        python=python,
        job_extra_directives=directives,
        job_script_prologue=lines,
        **kwargs,
    )


def client_for(*, workers: int | None = None, scheduler: str | None = None) -> contextlib.AbstractContextManager:
    """A context manager yielding a ``Client``: on ``scheduler`` (an address), on a new `local_cluster` of
    ``workers`` processes, or ``None`` (in process) when neither is given."""
    if workers is not None and scheduler is not None:
        raise ValueError("give either workers (a new local cluster) or scheduler (an existing one), not both")
    if scheduler is not None:
        from distributed import Client

        return contextlib.closing(Client(scheduler))
    if workers is not None:
        return local_cluster(workers)
    return contextlib.nullcontext(None)
