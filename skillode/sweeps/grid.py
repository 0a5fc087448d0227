r"""The grid of a sweep, cut into rectangular blocks: the unit of work that runs in process or on a Dask worker.

Every sweep (`skillode.Sweep`, `skillode.GeometrySweep`, `skillode.networks.TrainingSweep`) is a `Grid` of named
axes plus a *plan* (`AbstractGridPlan`) that computes one block of the grid from the block's index alone:

$$
\mathrm{block}_b = \prod_a \big[\, b_a\, k_a,\ \min((b_a + 1)\, k_a,\ n_a) \big), \qquad
\mathrm{compute}(b) \mapsto \{\mathrm{name}: \mathrm{array}(\mathrm{extent}_b \times \mathrm{tail})\},
$$

with ``n_a`` the axis lengths and ``k_a`` the block shape. A block is a rectangle, so it is one region of a zarr
store (`skillode.distributed`), and ``compute(b)`` is a pure function of the plan and ``b``: where a block runs —
this process, another worker, a rerun after a crash — never changes its numbers.

*Static* axes (those that change shapes or the compiled program: a dimension, an optimizer, a loss) get block
extent 1, so one block is one compiled program; the other axes are vmapped inside the block. Every block is
padded to the full block size (repeating its last point), so blocks of one static value share one compilation.
"""

from __future__ import annotations

import abc
import dataclasses
import hashlib
import json
import math
from collections.abc import Iterator, Mapping

import numpy as np
import xarray as xr

from .._validate import check_int

__all__ = ["AbstractGridPlan", "Grid", "block_shape", "digest"]


def block_shape(shape: tuple[int, ...], static: tuple[bool, ...], size: int) -> tuple[int, ...]:
    """The block shape for about ``size`` points per block: extent 1 on static axes, filled from the last axis.

    The last non-static axis takes ``min(n, size)`` points, the one before it ``min(n, size // (points so far))``
    and so on, so a block is a C-order run of the grid whenever the sizes allow.

    >>> block_shape((4, 3, 10), (False, True, False), 25)
    (2, 1, 10)
    """
    size = check_int(size, "block size (grid points per block)")
    out = [1] * len(shape)
    inner = 1
    for a in reversed(range(len(shape))):
        if not static[a]:
            out[a] = max(1, min(shape[a], size // inner))
            inner *= out[a]
    return tuple(out)


@dataclasses.dataclass(frozen=True)
class Grid:
    """Named axes, their Dataset dims, which are static, and the block shape.

    **Fields:**

    - `names`: axis names, in the order of the output's leading dims.
    - `dims`: the Dataset dimension of each axis (``"p_index"`` for an array-valued ``p`` axis).
    - `shape`: number of values of each axis.
    - `static`: per axis, True where a value changes the compiled program (block extent 1).
    - `block`: the block shape (`block_shape`).
    """

    names: tuple[str, ...]
    dims: tuple[str, ...]
    shape: tuple[int, ...]
    static: tuple[bool, ...]
    block: tuple[int, ...]

    @classmethod
    def build(cls, names, dims, shape, static, size: int) -> Grid:
        shape = tuple(int(s) for s in shape)
        static = tuple(bool(s) for s in static)
        return cls(tuple(names), tuple(dims), shape, static, block_shape(shape, static, size))

    @property
    def size(self) -> int:
        """Number of grid points."""
        return math.prod(self.shape)

    @property
    def block_size(self) -> int:
        """Points per (padded) block."""
        return math.prod(self.block)

    @property
    def blocks_shape(self) -> tuple[int, ...]:
        """Number of blocks along each axis."""
        return tuple(-(-n // k) for n, k in zip(self.shape, self.block))

    @property
    def n_blocks(self) -> int:
        return math.prod(self.blocks_shape)

    def block_indices(self) -> Iterator[tuple[int, ...]]:
        """Every block index, in C order (static values outermost when they come first)."""
        return iter(np.ndindex(*self.blocks_shape))

    def region(self, index: tuple[int, ...]) -> tuple[slice, ...]:
        """The grid slices of block ``index``."""
        return tuple(slice(b * k, min((b + 1) * k, n)) for b, k, n in zip(index, self.block, self.shape))

    def extent(self, index: tuple[int, ...]) -> tuple[int, ...]:
        """The (unpadded) shape of block ``index``."""
        return tuple(s.stop - s.start for s in self.region(index))

    def points(self, index: tuple[int, ...], multiple: int = 1) -> dict[str, np.ndarray]:
        """Axis-value indices of the block's points, C order, padded with its last point to a size that is a
        multiple of ``multiple`` and at least `block_size`: ``name -> int array (m,)``."""
        ranges = [np.arange(s.start, s.stop) for s in self.region(index)]
        mesh = np.meshgrid(*ranges, indexing="ij")
        flat = [m.ravel() for m in mesh]
        m = -(-self.block_size // multiple) * multiple
        pad = np.minimum(np.arange(m), flat[0].size - 1) if flat else np.zeros(m, int)
        return {name: f[pad] for name, f in zip(self.names, flat)}


def digest(spec) -> str:
    """A short, stable hash of a JSON-able description (the fingerprint of a sweep)."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]


class AbstractGridPlan(abc.ABC):
    """What a sweep runs: a `Grid`, the output variables, and a pure ``compute(block index)``.

    A plan is picklable (Dask ships it to the workers) and holds everything a block needs; subclasses are frozen
    dataclasses. `skillode.distributed.execute` runs a plan in process or on a Dask client, into memory or into a
    zarr store.
    """

    grid: Grid

    @abc.abstractmethod
    def variables(self) -> dict[str, tuple[tuple[str, ...], tuple[int, ...]]]:
        """``name -> (tail dims, tail shape)`` of every output variable; its dims are ``(*grid.dims, *tail)``."""

    @abc.abstractmethod
    def compute(self, index: tuple[int, ...]) -> dict[str, np.ndarray]:
        """The outputs of block ``index``, ``name -> float64 array (*grid.extent(index), *tail)``."""

    @abc.abstractmethod
    def dataset(self, data: Mapping[str, object]) -> xr.Dataset:
        """The output Dataset around ``data`` (``name -> array (*grid.shape, *tail)``, NumPy or Dask): coordinates
        and ``attrs``. It must not read the arrays, so that a lazily opened store stays lazy."""

    @abc.abstractmethod
    def spec(self) -> dict:
        """A JSON-able description of everything that determines the numbers (the store's fingerprint)."""

    def fingerprint(self) -> str:
        """`digest` of `spec`: equal for two plans exactly when they compute the same numbers."""
        return digest(self.spec())

    def probe(self) -> tuple[AbstractGridPlan, float]:
        """A cheaper plan whose block time, times the returned factor, estimates this plan's (for dry runs).

        The default is the plan itself; scan-based sweeps run fewer steps and scale linearly.
        """
        return self, 1.0

    def finish(self, ds: xr.Dataset) -> xr.Dataset:
        """The result as the user gets it, in memory or read back from a store (default: ``ds`` itself).

        Scan sweeps add the ``learning_time``-derived ``learned`` coordinate here, so that it is computed from the
        stored values, never from the store's NaN template."""
        return ds

    def nbytes(self) -> int:
        """Uncompressed bytes of all outputs (an upper bound on the store size)."""
        return sum(8 * self.grid.size * math.prod(shape) for _, shape in self.variables().values())
