"""Several accelerators on one host: the runs of a block split over ``jax.local_devices()``.

`over_devices` wraps a function of batched pytrees (leading axis = runs) in ``jax.shard_map`` over a 1-D mesh of
the local devices: each device runs the same program on its share of the runs, with no communication, since runs
are independent. With one device, or a run count that the device count does not divide, the function is
returned as it is. Sweeps pad their blocks to a multiple of `n_devices`, so on a machine with k GPUs (or
``XLA_FLAGS=--xla_force_host_platform_device_count=k`` on a CPU) every block uses all k.
"""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import numpy as np
from jax.sharding import Mesh, PartitionSpec

__all__ = ["n_devices", "over_devices"]

_AXIS = "runs"


def n_devices() -> int:
    """Number of local devices a block is split over."""
    return jax.local_device_count()


def over_devices(fn: Callable, batched: tuple[bool, ...]) -> Callable:
    """``fn(*args)`` with the leading axis of ``args[i]`` split over the local devices where ``batched[i]``.

    ``args[i]`` with ``batched[i] = False`` is replicated. Every output leaf must have the runs axis first. Call
    the result inside ``jit``; the array leaves are split, the rest (static fields) is closed over.
    """

    def wrapped(*args):
        k = n_devices()
        arrays = [jax.tree.leaves(eqx.filter(a, eqx.is_array)) for a, b in zip(args, batched) if b]
        leads = {np.shape(x)[0] for leaves in arrays for x in leaves}
        if k == 1 or len(leads) != 1 or next(iter(leads)) % k:
            return fn(*args)
        dynamic, static = eqx.partition(args, eqx.is_array)
        mesh = Mesh(np.asarray(jax.local_devices()), (_AXIS,))
        specs = tuple(PartitionSpec(_AXIS) if b else PartitionSpec() for b in batched)

        def local(dynamic):
            return fn(*eqx.combine(dynamic, static))

        return jax.shard_map(local, mesh=mesh, in_specs=(specs,), out_specs=PartitionSpec(_AXIS),
                             check_vma=False)(dynamic)

    return wrapped
