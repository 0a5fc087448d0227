"""The documented import path of the sweeps' store, execution and clusters (they live in `skillode.sweeps`).

``from skillode.distributed import local_cluster, open_store, execute, dry_run`` keeps working; new code may import
the same objects from `skillode.sweeps`.
"""

from .sweeps.clusters import client_for, local_cluster, slurm_cluster
from .sweeps.execute import dry_run, execute, format_dry_run
from .sweeps.store import LOAD_BELOW, SweepStore, open_store

__all__ = ["LOAD_BELOW", "SweepStore", "client_for", "dry_run", "execute", "format_dry_run", "local_cluster",
           "open_store", "slurm_cluster"]
