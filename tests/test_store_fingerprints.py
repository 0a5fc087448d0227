"""Store fingerprints are pinned: a zarr store written by an earlier release must still resume.

A store is refused when its fingerprint (`AbstractGridPlan.fingerprint`, a hash of the plan's `spec`) differs from
the sweep that opens it. These values were computed before the run layer moved into `skillode.sweeps`; a change
here means that every store users have on disk would be recomputed from scratch. Change a pinned value only when
the numbers a sweep computes change too (and say so in the changelog).
"""

import numpy as np

import skillode as sk
from skillode.networks import MLP, QuantizedSparseParity, TrainingSweep


def make_model(width, key):
    return MLP((8, width, 2), "relu", key=key)


def make_task(alpha, key):
    return QuantizedSparseParity(n_control=3, n_data=5, k=2, alpha=alpha, key=key, n_eval_per_skill=16)


def test_resource_trajectory_fingerprint():
    sweep = sk.Sweep(axes={"N0": [0.0, 0.01], "alpha": [1.0, 2.0]}, n=5, eta=0.019)
    plan = sweep.plan(np.linspace(0.0, 100.0, 11), block_size=2)
    assert plan.fingerprint() == "3bc7a6e134d7b2f0"


def test_resource_closed_form_fingerprint():
    from skillode.sweeps.resource import _ClosedFormPlan

    sweep = sk.Sweep(axes={"eta": [0.01, 0.02]}, n=4, alpha=1.5)
    plan = _ClosedFormPlan(sweep, sweep.grid(2), sk.Threshold(0.9))
    assert plan.fingerprint() == "ee5d242bc4aef993"


def test_geometry_fingerprint():
    sweep = sk.GeometrySweep(axes={"alpha": [1.0, 2.0], "seed": [0, 1]}, n=5, N=20, batch_size=16,
                             optimizer="signgd", learning_rate=1e-2)
    plan = sweep.plan(100, record_every=10, check_every=10, block_size=2)
    assert plan.fingerprint() == "9bcd855341f9cf16"


def test_training_fingerprint():
    sweep = TrainingSweep(axes={"seed": [0, 1]}, make_model=make_model, make_task=make_task,
                          task_values={"alpha": 1.0}, width=8, learning_rate=1e-2, batch_size=16)
    plan = sweep.plan(100, record_every=10, check_every=10, block_size=2)
    assert plan.fingerprint() == "bb113d79451c9bf2"
