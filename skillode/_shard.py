"""Several accelerators on one host: the runs of a block split over ``jax.local_devices()``.

`over_devices` reshapes the runs axis ``m`` of a function's batched arguments to ``(k, m / k)``, pins the new
axis to a 1-D mesh of the ``k`` local devices (``NamedSharding``) and vmaps the function over it, so XLA's SPMD
partitioner gives each device its share of the runs; runs are independent, so nothing but loop conditions is
communicated. (``jax.shard_map`` would say the same more explicitly, but equinox's internal primitives, which
diffrax's implicit solvers use, do not trace under it.) With one device, or a run count that the device count
does not divide, the function is returned as it is. Sweeps pad their blocks to a multiple of `n_devices`, so on
a machine with k GPUs (or ``XLA_FLAGS=--xla_force_host_platform_device_count=k`` on a CPU) every block uses all k.
"""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

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
        m = next(iter(leads))
        sharding = NamedSharding(Mesh(np.asarray(jax.local_devices()), (_AXIS,)), PartitionSpec(_AXIS))

        def split(x):  # (m, ...) -> (k, m / k, ...), the device axis first and sharded
            return jax.lax.with_sharding_constraint(x.reshape(k, m // k, *x.shape[1:]), sharding)

        def merge(x):
            return jax.lax.with_sharding_constraint(x, sharding).reshape(m, *x.shape[2:])

        dynamic, static = eqx.partition(args, eqx.is_array)
        dynamic = tuple(jax.tree.map(split, d) if b else d for d, b in zip(dynamic, batched))

        def local(*dyn):
            return fn(*eqx.combine(dyn, static))

        out = jax.vmap(local, in_axes=tuple(0 if b else None for b in batched))(*dynamic)
        return jax.tree.map(merge, out)

    return wrapped
