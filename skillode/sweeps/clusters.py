r"""Dask clusters for sweeps and studies: a local cluster of worker processes, a SLURM cluster, or an address.

A sweep's blocks (`skillode.sweeps.execute`) run on any ``dask.distributed.Client``; these helpers make one.
"""

from __future__ import annotations

import ast
import contextlib
import multiprocessing
import os
import sys
from collections.abc import Iterable, Sequence

from .._validate import check_int

__all__ = ["MainGuardError", "client_for", "local_cluster", "partition_cores", "slurm_cluster"]

_PIN_ENV = "SKILLODE_WORKER_CORES"  # the partition, "0,1;2,3", read by `dask_setup` in each worker


def partition_cores(cores: Iterable[int], n_workers: int) -> list[frozenset[int]]:
    """Split ``cores`` among ``n_workers`` workers: worker ``i`` gets ``result[i]``.

    With at least as many cores as workers, the sorted cores are cut into ``n_workers`` contiguous, disjoint runs
    whose sizes differ by at most one; with more workers than cores, each worker gets one core, round-robin (worker
    ``i`` -> the ``i % len(cores)``-th core), so the cores are shared as evenly as they can be.

    >>> partition_cores({0, 1, 2, 3, 4}, 2)
    [frozenset({0, 1, 2}), frozenset({3, 4})]
    >>> partition_cores([0, 1], 3)
    [frozenset({0}), frozenset({1}), frozenset({0})]
    """
    cores = sorted({int(c) for c in cores})
    n_workers = check_int(n_workers, "n_workers")
    if not cores:
        raise ValueError("partition_cores needs at least one core")
    if n_workers > len(cores):
        return [frozenset({cores[i % len(cores)]}) for i in range(n_workers)]
    size, extra = divmod(len(cores), n_workers)
    out, start = [], 0
    for i in range(n_workers):
        stop = start + size + (i < extra)
        out.append(frozenset(cores[start:stop]))
        start = stop
    return out


def _pin_process(cores) -> None:
    """Pin every thread of this process to ``cores`` (threads started later inherit it from their creator)."""
    try:
        tids = [int(t) for t in os.listdir("/proc/self/task")]
    except OSError:
        tids = []
    for tid in [0, *tids]:  # 0: the calling thread
        with contextlib.suppress(OSError):  # a thread that has just exited
            os.sched_setaffinity(tid, cores)


def dask_setup(worker) -> None:
    """Dask preload hook, run in each `local_cluster` worker before it takes a task (and so before JAX starts
    its CPU backend there): pin the worker process to its part of the cores (`partition_cores`). A no-op where
    the cluster did not ask for it."""
    spec = os.environ.get(_PIN_ENV)
    if not spec or not hasattr(os, "sched_setaffinity"):
        return
    try:
        index = int(worker.name)
    except (TypeError, ValueError):  # not a local_cluster worker name: leave it alone
        return
    groups = [{int(c) for c in part.split(",")} for part in spec.split(";")]
    _pin_process(groups[index % len(groups)])


_GUARD_MESSAGE = (
    "{where}: start local_cluster under `if __name__ == \"__main__\":` (each worker process re-runs the script's "
    "top-level code when it starts; see the docs page 'Studies that outgrow one process')"
)


class MainGuardError(RuntimeError):
    """`local_cluster` was called where its worker processes would start it again (no ``__main__`` guard)."""


def guarded(source: str, lineno: int) -> bool:
    r"""Whether line ``lineno`` of the module ``source`` is inside an ``if`` (such as ``if __name__ == "__main__":``)
    or a function, i.e. not run unconditionally when the module is imported. Lenient: any ``if`` counts, and a source
    that does not parse counts as guarded.

    >>> guarded("import os\nif __name__ == '__main__':\n    os.getcwd()\n", 3), guarded("x = 1\n", 1)
    (True, False)
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return True
    for node in ast.walk(tree):
        if isinstance(node, (ast.If, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and node is not tree:
            inner = node.body if isinstance(node, ast.Lambda) else [*node.body, *getattr(node, "orelse", [])]
            inner = inner if isinstance(inner, list) else [inner]
            if any(child.lineno <= lineno <= (child.end_lineno or child.lineno) for child in inner):
                return True
    return False


def _refuse_unguarded_start() -> None:
    """Raise `MainGuardError` (one line) where starting a cluster would start one again in every worker.

    Worker processes are spawned (``distributed.worker.multiprocessing-method``, default ``spawn``): each re-runs the
    main script, as ``__mp_main__``, before it can take work, and a cluster started there fails with a page of
    multiprocessing tracebacks. Two cases are caught: a worker re-running the script (``multiprocessing`` is still
    bootstrapping it), and, before any worker starts, a script whose top-level line that leads here is not under an
    ``if`` (read from the script's source; notebooks, ``python -c`` and the command line have none to re-run).
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise MainGuardError(_GUARD_MESSAGE.format(where="a worker process re-ran the script and got here"))
    try:
        import dask

        method = dask.config.get("distributed.worker.multiprocessing-method", "spawn")
    except ImportError:
        method = "spawn"
    if method == "fork" or not path:
        return
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals is not getattr(main, "__dict__", None):
        frame = frame.f_back
    if frame is None or frame.f_code.co_name != "<module>":
        return  # not called from the script's top-level code (a thread, an exec'd namespace, ...)
    try:
        with open(frame.f_code.co_filename, encoding="utf-8") as f:
            source = f.read()
    except (OSError, UnicodeDecodeError):
        return
    if not guarded(source, frame.f_lineno):
        raise MainGuardError(_GUARD_MESSAGE.format(where=f"{os.path.basename(path)}, line {frame.f_lineno}"))


def local_cluster(n_workers: int, *, threads_per_worker: int = 1, dashboard_address: str | None = ":0",
                  env: dict | None = None, pin: bool = True, **kwargs):
    """A ``LocalCluster`` of ``n_workers`` worker *processes* and a ``Client`` on it, closed on exit.

    One task thread per worker: a block is one compiled XLA program that uses the process's cores itself.
    ``dashboard_address=":0"`` picks a free port (``client.dashboard_link``); ``None`` turns the dashboard off.
    ``env`` sets environment variables in the workers (e.g. ``XLA_FLAGS``). Other keywords go to ``LocalCluster``.

    ``pin=True`` (default) partitions the cores among the workers: worker ``i`` is pinned
    (``os.sched_setaffinity``) to ``partition_cores(cores, n_workers)[i]``, where ``cores`` are the cores this
    process may run on (``os.sched_getaffinity(0)``, not ``os.cpu_count()``): disjoint sets while there are at
    least as many cores as workers, single cores shared round-robin beyond that. The pinning happens when a worker
    starts, before its first block, and XLA sizes its CPU thread pool from the affinity when its backend starts:
    without it every worker's pool has a thread per core and two workers on two cores run at about x1.3 of one
    instead of x1.6 (``bench/distributed.py``). Workers added later (``cluster.scale``) reuse the partition
    round-robin. Where ``os.sched_setaffinity`` does not exist (macOS, Windows) ``pin`` does nothing: the workers
    share all cores, as with ``pin=False``.

    In a script, call it under ``if __name__ == "__main__":``: each worker process re-runs the script's top-level
    code when it starts (Python's ``spawn`` start method). Called from unguarded top-level code it raises
    `MainGuardError`, with that advice, before it starts anything.
    """
    _refuse_unguarded_start()
    return _local_cluster(n_workers, threads_per_worker=threads_per_worker, dashboard_address=dashboard_address,
                          env=env, pin=pin, **kwargs)


@contextlib.contextmanager
def _local_cluster(n_workers, *, threads_per_worker, dashboard_address, env, pin, **kwargs):
    from distributed import Client, LocalCluster

    n_workers = check_int(n_workers, "n_workers")
    env = dict(env or {})
    if pin and hasattr(os, "sched_getaffinity") and hasattr(os, "sched_setaffinity"):
        parts = partition_cores(os.sched_getaffinity(0), n_workers)
        env[_PIN_ENV] = ";".join(",".join(map(str, sorted(part))) for part in parts)
        preload = kwargs.get("preload") or []
        kwargs["preload"] = [*([preload] if isinstance(preload, str) else preload), __name__]
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=check_int(threads_per_worker, "threads_per_worker"),
                           processes=True, dashboard_address=dashboard_address, env=env, **kwargs)
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
