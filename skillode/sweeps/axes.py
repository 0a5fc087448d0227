r"""The axis vocabulary every sweep speaks: which parameters may vary, their canonical values, static or vmapped.

A sweep is a grid over a few named *axes*, every other parameter fixed. Each kind of sweep (Resource, Geometry,
training) declares its parameters once, as a table of `Axis` entries (an `Axes`):

| field | meaning |
| --- | --- |
| ``name`` | the parameter, and the Dataset dimension (``<name>_index`` for array-valued axes) |
| ``check`` | ``value -> canonical value``: raises ``ValueError`` naming the allowed range |
| ``static`` | True: a value changes shapes or the program (compiled once per value); False: vmapped |
| ``default`` | the fixed value when the parameter is neither an axis nor given; `REQUIRED` if it must be given |
| ``rank`` | 0 for scalars, 1 for vectors, 2 for matrices (checked on the whole axis); ``None``: any value |

`Axes.parse` applies the rules every sweep shares, with one wording:

1. ``axes`` is a non-empty mapping ``name -> values`` of known names;
2. a parameter is either an axis or a fixed value, never both;
3. an axis has at least one value, its values are distinct, and each passes its `Axis.check`;
4. a required parameter is given, as a fixed value or an axis.

Model-specific rules (``p`` and ``alpha`` exclude each other; ``n <= N`` for orthonormal task vectors …) stay with
the sweep that has them.

Examples:
    >>> from skillode.sweeps.axes import Axes, Axis, REQUIRED, positive
    >>> table = Axes("demo", [Axis("lr", positive("lr"), default=REQUIRED), Axis("seed", int, default=0)])
    >>> axes, fixed = table.parse({"seed": [0, 1, 2]}, {"lr": 0.1})
    >>> axes, fixed
    ((('seed', (0, 1, 2)),), (('lr', 0.1),))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from .._validate import check_int

__all__ = ["REQUIRED", "Axis", "Axes", "finite", "nonnegative", "positive", "seed", "choice", "count", "values_of"]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()
"""The default of a parameter that has none: it must be given, as a fixed value or as an axis."""


def _identity(value):
    return value


@dataclasses.dataclass(frozen=True)
class Axis:
    """One parameter a sweep may vary (see the module docstring).

    **Fields:** `name`, `check` (``value -> canonical value``), `static` (False: vmapped), `default` (`REQUIRED`
    if none), `rank` (0 scalar, 1 vector, 2 matrix, ``None`` any), `doc` (one line, for ``--help``).
    """

    name: str
    check: Callable = _identity
    static: bool = False
    default: object = None
    rank: int | None = None
    doc: str = ""

    @property
    def dim(self) -> str:
        """The Dataset dimension of this axis: its name, or ``<name>_index`` for array-valued axes."""
        return f"{self.name}_index" if self.rank else self.name

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


class Axes:
    """The ordered table of a sweep kind's parameters and the rules every sweep shares (see the module docstring).

    **Arguments:**

    - `kind`: how errors name the sweep (``"sweep"``, ``"GeometrySweep"`` …).
    - `axes`: the `Axis` entries, in their canonical order.
    - `other`: ``name -> Axis`` for names outside the table (a training sweep's task parameters), or ``None``:
      unknown names are refused.
    """

    def __init__(self, kind: str, axes: Sequence[Axis], other: Callable[[str], Axis] | None = None):
        self.kind = kind
        self.table = {a.name: a for a in axes}
        self.other = other

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.table)

    def __getitem__(self, name: str) -> Axis:
        if name in self.table:
            return self.table[name]
        if self.other is None:
            raise ValueError(f"unknown {self.kind} axis {name!r}; axes must be among {self.names}")
        return self.other(name)

    def parse(self, axes: Mapping[str, Sequence], given: Mapping[str, object], *, canonical_fixed: bool = True,
              ) -> tuple[tuple[tuple[str, tuple], ...], tuple[tuple[str, object], ...]]:
        """``(axes, fixed)`` as tuples of pairs after the four rules (module docstring).

        **Arguments:**

        - `axes`: ``name -> values`` as the user gave it.
        - `given`: ``name -> fixed value`` of the table's parameters (``None``: not given).
        - `canonical_fixed`: pass fixed values through `Axis.check` (False: kept as given, checked by the model).

        **Returns:** ``axes``: ``((name, canonical values), ...)`` in the user's order; ``fixed``: ``((name,
        value), ...)`` for every table parameter that is not an axis, in table order (defaults filled in).
        """
        if not isinstance(axes, Mapping) or len(axes) == 0:
            example = {self.names[0]: ["a", "b"]} if self.names else {"seed": [0, 1]}
            raise ValueError(f"axes must be a non-empty mapping 'axis name -> values', e.g. {example}")
        out = []
        for name, values in axes.items():
            name = str(name)
            axis = self[name]
            if given.get(name) is not None:
                raise ValueError(f"{name!r} is a sweep axis; do not also pass a fixed {name}=")
            out.append((name, self.values(axis, values)))
        fixed = []
        for axis in self.table.values():
            if axis.name in axes:
                continue
            value = given.get(axis.name)
            if value is None:
                if axis.required:
                    raise ValueError(f"{axis.name} is required, as a fixed value or an axis")
                value = axis.default
            fixed.append((axis.name, axis.check(value) if canonical_fixed and value is not None else value))
        return tuple(out), tuple(fixed)

    @staticmethod
    def values(axis: Axis, values) -> tuple:
        """One axis' values: a non-empty sequence of distinct values, each passed through ``axis.check``."""
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
            values = [values]
        if axis.rank is not None:
            shape = np.shape(values) if _rectangular(values) else None
            if shape is None or len(shape) != 1 + axis.rank or shape[0] == 0:
                kind = "scalars" if axis.rank == 0 else f"arrays of rank {axis.rank}"
                got = f"shape {shape}" if shape is not None else f"{values!r} (not numbers of one shape)"
                raise ValueError(f"axis {axis.name!r}: values must be a non-empty sequence (1-D: one value per grid "
                                 f"point) of {kind}, got {got}")
        vals = list(values)
        if not vals:
            raise ValueError(f"axis {axis.name!r}: values must be a non-empty sequence")
        try:
            vals = tuple(axis.check(v) for v in vals)
        except (TypeError, ValueError) as err:
            raise ValueError(f"axis {axis.name!r}: {err}") from None
        if len({_key(v) for v in vals}) != len(vals):
            raise ValueError(f"axis {axis.name!r}: values must be distinct, got {list(vals)}")
        return vals


def _rectangular(values) -> bool:
    try:
        np.asarray(values, dtype=np.float64)
        return True
    except (TypeError, ValueError):
        return False


def _key(value) -> str:
    return repr(value.tolist()) if isinstance(value, np.ndarray) else repr(value)


def values_of(axes: tuple[tuple[str, tuple], ...], fixed: tuple[tuple[str, object], ...], name: str) -> tuple:
    """The values of ``name``: its axis values, or its fixed value as a 1-tuple."""
    found = dict(axes)
    return found[name] if name in found else (dict(fixed)[name],)


# ------------------------------------------------------------------------------------------- canonical checks


def finite(name: str) -> Callable[[object], float]:
    """A check: a finite real number, as a Python ``float``."""
    return _real(name, None)


def nonnegative(name: str) -> Callable[[object], float]:
    """A check: a finite real number ``>= 0``."""
    return _real(name, ">=")


def positive(name: str) -> Callable[[object], float]:
    """A check: a finite real number ``> 0``."""
    return _real(name, ">")


def _real(name: str, bound: str | None) -> Callable[[object], float]:
    def check(value) -> float:
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a number, got {value!r}") from None
        ok = np.isfinite(v) and (bound is None or (v >= 0 if bound == ">=" else v > 0))
        if not ok:
            rng = "" if bound is None else f" {bound} 0"
            raise ValueError(f"{name} must be a finite number{rng}, got {v}")
        return v

    return check


def seed(value) -> int:
    """A check: a seed, an integer ``>= 0``."""
    return check_int(value, "seed", 0)


def count(name: str, *, optional: bool = False) -> Callable[[object], int | None]:
    """A check: an integer ``>= 1`` (``None`` allowed where ``optional``)."""
    def check(value):
        return None if (optional and value is None) else check_int(value, name)

    return check


def choice(name: str, choices: Sequence[str]) -> Callable[[object], str]:
    """A check: one of ``choices``, as a Python ``str``."""
    choices = tuple(choices)

    def check(value) -> str:
        if not isinstance(value, (str, np.str_)) or str(value) not in choices:
            raise ValueError(f"{name} must be one of {choices}, got {value!r}")
        return str(value)

    return check
