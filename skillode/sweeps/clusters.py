r"""Dask clusters for sweeps and studies: a local cluster of worker processes, a SLURM cluster, or an address.

A sweep's blocks (`skillode.sweeps.execute`) run on any ``dask.distributed.Client``; these helpers make one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from .._validate import check_int

__all__ = ["client_for", "local_cluster", "slurm_cluster"]

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
