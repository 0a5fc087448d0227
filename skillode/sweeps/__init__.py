r"""Grids of runs and studies made of grids: one home for running many runs, in process or on a Dask cluster.

| file | what it holds |
| --- | --- |
| `axes` | the axis vocabulary every sweep speaks: names, canonical values, static or vmapped, defaults |
| `grid` | a sweep's grid cut into blocks, and the plan interface (`AbstractGridPlan`) |
| `base` | the sweep base: axes, `plan`, one `run(..., store=, client=)` |
| `summary` | what a scan-based sweep keeps of each run (`Summary`), learning times tracked during the run |
| `resource`, `geometry` | the Resource and Geometry sweeps (`skillode.networks.TrainingSweep`: with the networks) |
| `store` | a sweep's resumable zarr store |
| `execute` | running a plan's blocks (in process or on a client), dry runs |
| `clusters` | local, SLURM, or address-given Dask clusters |
| `study` | a study: parts keyed by their coordinates, each a sweep in its own store, read back as one Dataset |
"""

from .base import AbstractScanSweep as AbstractScanSweep
from .clusters import client_for as client_for
from .clusters import local_cluster as local_cluster
from .clusters import slurm_cluster as slurm_cluster
from .execute import dry_run as dry_run
from .execute import execute as execute
from .execute import format_dry_run as format_dry_run
from .geometry import GEOMETRY_AXES as GEOMETRY_AXES
from .geometry import GeometrySweep as GeometrySweep
from .resource import Sweep as Sweep
from .resource import run_sweep as run_sweep
from .resource import sweep_learning_times as sweep_learning_times
from .store import SweepStore as SweepStore
from .store import open_store as open_store
from .study import Part as Part
from .study import Study as Study
from .summary import Summary as Summary
