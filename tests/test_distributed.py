"""Distributed sweeps: Dask workers that die, a client that dies, several devices, SLURM set-up, dry runs.

The cluster tests start a real ``LocalCluster`` of worker *processes* (seconds to start, each worker compiles its
first block), so they are marked slow; they still run in CI on CPU in about a minute.
"""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import skillode as sk
from skillode.distributed import SweepStore, dry_run, execute, format_dry_run, local_cluster, slurm_cluster

HERE = Path(__file__).parent
# SignGD is optax's Adam with b1 = b2 = 0, whose bias correction computes b1 ** count inside optax (see conftest.py).
pytestmark = pytest.mark.standard_dtype_promotion


def make_sweep() -> sk.GeometrySweep:
    """8 blocks of 2 runs, each block about a second on one CPU core."""
    return sk.GeometrySweep(axes={"alpha": [1.0, 1.5, 2.0, 2.5], "seed": [0, 1, 2, 3]}, n=20, N=200, batch_size=64,
                            optimizer="signgd", learning_rate=3e-3, loss_kind="ce", task_vectors="random_unit")


RUN = {"steps": 3000, "record_every": 100, "block_size": 2}


def _plan():
    return make_sweep().plan(RUN["steps"], record_every=RUN["record_every"], block_size=RUN["block_size"])


@pytest.fixture(scope="module")
def reference():
    """The whole sweep in this process, in memory."""
    return make_sweep().run(**RUN, progress=False)


def _wait_for(predicate, timeout=240.0, every=0.05):
    t0 = time.monotonic()
    while not predicate():
        if time.monotonic() - t0 > timeout:
            raise TimeoutError("condition not reached")
        time.sleep(every)


def _written(path) -> int:
    """Blocks written so far, read without touching the store (SweepStore(...) would create it)."""
    import zarr

    try:
        return int(np.asarray(zarr.open_array(str(path / "skillode" / "writes"), mode="r")[...]).sum())
    except Exception:  # noqa: BLE001 - not created yet, or being created
        return 0


@pytest.mark.slow
def test_a_killed_worker_loses_no_block_and_changes_no_number(tmp_path, reference):
    path = tmp_path / "geometry.zarr"
    result = {}
    with local_cluster(2, dashboard_address=None) as client:
        pids = list(client.run(os.getpid).values())
        assert len(pids) == 2

        def run():
            result["ds"] = make_sweep().run(**RUN, store=path, client=client, progress=False)

        thread = threading.Thread(target=run)
        thread.start()
        _wait_for(lambda: _written(path) >= 1)  # one block is in; others are running on both workers
        os.kill(pids[0], signal.SIGKILL)
        thread.join(timeout=600)
        assert not thread.is_alive()
        restarted = list(client.run(os.getpid).values())
    assert pids[0] not in restarted  # the nanny started a new worker process
    writes = SweepStore(path, _plan()).writes()
    assert writes.shape == (4, 2) and np.all(writes == 1)  # every block present, written exactly once
    ds = result["ds"]
    for name in ("loss", "learning_time", "final_skill_level"):
        # bit-identical: a block is the same XLA program on the same inputs wherever it runs
        np.testing.assert_array_equal(ds[name].values, reference[name].values)


_CLIENT_SCRIPT = """
import sys
sys.path.insert(0, {here!r})
from test_distributed import make_sweep, RUN
make_sweep().run(**RUN, store={path!r}, progress=False)
"""


@pytest.mark.slow
def test_a_killed_client_resumes_from_the_store(tmp_path, reference):
    path = tmp_path / "geometry.zarr"
    script = _CLIENT_SCRIPT.format(here=str(HERE), path=str(path))
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)])
    try:
        _wait_for(lambda: _written(path) >= 3 or proc.poll() is not None)
        assert proc.poll() is None, "the run finished before it could be killed: make its blocks slower"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    before = SweepStore(path, _plan()).writes()
    assert 3 <= before.sum() < before.size  # killed mid-way
    ds = make_sweep().run(**RUN, store=path, progress=False)
    writes = SweepStore(path, _plan()).writes()
    assert np.all(writes == 1)  # the blocks done before the kill were not recomputed
    for name in ("loss", "learning_time", "final_skill_level"):
        np.testing.assert_array_equal(ds[name].values, reference[name].values)


@pytest.mark.slow
def test_resource_sweep_on_a_cluster_equals_in_process(tmp_path):
    sweep = sk.Sweep(axes={"N0": [0.0, 0.01, 0.1], "alpha": [1.0, 2.0]}, n=6, eta=0.019)
    ts = np.linspace(0.0, 800.0, 81)
    ref = sweep.run(ts, block_size=2, progress=False)
    with local_cluster(1, dashboard_address=None) as client:
        got = sweep.run(ts, block_size=2, client=client, store=tmp_path / "r.zarr", progress=False, )
        times = sweep.learning_times(0.9)
    np.testing.assert_array_equal(got.skill_level.values, ref.skill_level.values)
    assert times.dims == ("N0", "alpha", "skill")


_DEVICES_SCRIPT = """
import numpy as np, jax
import skillode as sk
assert jax.local_device_count() == 2, jax.devices()
geo = sk.GeometrySweep(axes={"alpha": [1.0, 2.0], "seed": [0, 1, 2]}, n=5, N=40, batch_size=32,
                       optimizer="signgd", learning_rate=1e-2).run(300, record_every=30, progress=False)
res = sk.Sweep(axes={"N0": [0.0, 0.01, 0.1]}, n=5, eta=0.019).run(np.linspace(0, 500, 51), "diffrax", progress=False)
np.savez(OUT, loss=geo.loss.values, lt=geo.learning_time.values, s=res.skill_level.values)
"""


def test_blocks_split_over_two_devices_give_the_numbers_of_one(tmp_path):
    out = tmp_path / "two.npz"
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    script = _DEVICES_SCRIPT.replace("OUT", repr(str(out)))
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=600)
    two = np.load(out)
    geo = sk.GeometrySweep(axes={"alpha": [1.0, 2.0], "seed": [0, 1, 2]}, n=5, N=40, batch_size=32,
                           optimizer="signgd", learning_rate=1e-2).run(300, record_every=30, progress=False)
    res = sk.Sweep(axes={"N0": [0.0, 0.01, 0.1]}, n=5, eta=0.019).run(np.linspace(0, 500, 51), "diffrax",
                                                                     progress=False)
    # Each device runs the same per-run program on its half of a block (padded to a multiple of 2).
    np.testing.assert_allclose(two["loss"], geo.loss.values, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(two["lt"], geo.learning_time.values)
    np.testing.assert_allclose(two["s"], res.skill_level.values, rtol=0, atol=1e-12)


def test_dry_run_times_a_probe_and_estimates_the_grid():
    plan = make_sweep().plan(100_000, record_every=1000, block_size=2)
    info = dry_run(plan, workers=2)
    assert info["runs"] == 16 and info["blocks"] == 8 and info["block_shape"] == {"alpha": 1, "seed": 2}
    assert info["compiled_programs"] == 1
    assert info["block_s"] > 0 and info["estimate_s"] == pytest.approx(info["block_s"] * 8 / 2)
    n_times = plan.summary.times.size
    per_run = 8 * (n_times + 3 * 20)  # loss curve + learning_time, final_skill_level, final_skill_loss
    assert info["store_bytes"] == 16 * per_run
    text = format_dry_run(info)
    assert "16 runs in 8 blocks" in text and "store size" in text


def test_store_errors_name_the_problem(tmp_path):
    plan = _plan()
    with pytest.raises(ValueError, match=r"\.zarr"):
        SweepStore(tmp_path / "x.nc", plan)
    with pytest.raises(ValueError, match="does not exist"):
        SweepStore(tmp_path / "no" / "x.zarr", plan)
    (tmp_path / "junk.zarr").mkdir()
    (tmp_path / "junk.zarr" / "file.txt").write_text("not zarr")
    with pytest.raises(ValueError, match="not a (zarr store|skillode sweep store)"):
        SweepStore(tmp_path / "junk.zarr", plan)
    with pytest.raises(ValueError, match="max_in_flight"):
        execute(plan, max_in_flight=0)


def test_slurm_job_script_comes_from_skillode_settings():
    cluster = slurm_cluster(cores=8, memory="16GB", walltime="02:00:00", gpus=1, queue="gpu", account="lab",
                            prologue=["source .venv/bin/activate"], scheduler_options={"dashboard_address": ":0"})
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH --cpus-per-task=8" in script  # XLA gets the job's cores ...
    assert "--nthreads 1" in script  # ... through one Dask task thread
    assert "#SBATCH --gres=gpu:1" in script
    assert "#SBATCH -p gpu" in script and "#SBATCH -A lab" in script and "#SBATCH -t 02:00:00" in script
    assert "source .venv/bin/activate" in script and "XLA_PYTHON_CLIENT_PREALLOCATE=false" in script
    assert "distributed.cli.dask_worker" in script or "dask worker" in script or "dask-worker" in script
