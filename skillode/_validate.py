"""Input checks shared by every skillode object: one place, one wording.

Each check names the parameter and the allowed range in its ``ValueError`` and returns the value in its canonical
type. Values traced by JAX (inside ``jit`` / ``vmap``) cannot be inspected; `is_concrete` tells the callers, which
then skip the value checks (shapes are still checked) — a sweep validates its axis values before it traces them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import jax
import numpy as np

__all__ = [
    "LOSS_KINDS",
    "is_concrete",
    "check_int",
    "check_scalar",
    "check_level",
    "check_array",
    "check_positive_vector",
    "check_choice",
    "check_key",
    "check_times",
]

LOSS_KINDS = ("mse", "ce")
"""The loss variants of the Resource and Geometry models (``loss_kind``): mean squared error, cross-entropy."""


def is_concrete(x) -> bool:
    """False for a value traced by JAX (``jit``, ``vmap``, ``grad``), whose entries cannot be checked."""
    return not isinstance(x, jax.core.Tracer)


def check_int(value, name: str, low: int = 1, high: float = math.inf) -> int:
    """``value`` as a Python ``int`` in ``[low, high]``; bools and floats (even ``3.0``) are refused."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not (low <= value <= high):
        bound = f">= {low}" if high == math.inf else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be an integer {bound}, got {value!r}")
    return int(value)


def _as_float_array(value, name: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be numeric, got {value!r}") from err


def check_scalar(value, name: str, *, low: float | None = None, strict: bool = False, high: float | None = None):
    """Validate a finite real scalar ``low <(=) value <= high``; returns ``value`` unchanged when it is traced.

    ``strict=True`` makes the lower bound exclusive (``value > low``).
    """
    if not is_concrete(value):
        if np.ndim(value) != 0:
            raise ValueError(f"{name} must be a scalar, got shape {np.shape(value)}")
        return value
    v = _as_float_array(value, name)
    if v.shape != ():
        raise ValueError(f"{name} must be a scalar, got shape {v.shape}")
    ok = bool(np.isfinite(v))
    if ok and low is not None:
        ok = bool(v > low) if strict else bool(v >= low)
    if ok and high is not None:
        ok = bool(v <= high)
    if not ok:
        rng = []
        if low is not None:
            rng.append(f"{'>' if strict else '>='} {low:g}")
        if high is not None:
            rng.append(f"<= {high:g}")
        raise ValueError(f"{name} must be a finite scalar{' ' + ' and '.join(rng) if rng else ''}, got {value!r}")
    return float(v)


def check_level(value, name: str = "threshold (skill level s*)"):
    """A level strictly inside ``(0, 1)``: a threshold skill level ``s*``, a confidence level.

    Returns ``float(value)``, or ``value`` unchanged when it is traced.
    """
    if not is_concrete(value):
        return value
    v = _as_float_array(value, name)
    if v.shape != ():
        raise ValueError(f"{name} must be a scalar, got shape {v.shape}")
    if not 0.0 < float(v) < 1.0:
        raise ValueError(f"{name} must lie in (0, 1) (open interval: 0 and 1 excluded), got {value!r}")
    return float(v)


def check_array(value, name: str, shape: tuple[int, ...] | None = None, *, finite: bool = True):
    """``value`` as a float64 NumPy array of ``shape`` (``-1`` entries match any size), finite unless told not.

    Traced values are returned unchanged after the shape check.
    """
    arr_shape = np.shape(value) if not is_concrete(value) else None
    if arr_shape is None:
        arr = _as_float_array(value, name)
        arr_shape = arr.shape
    if shape is not None and (
        len(arr_shape) != len(shape) or any(s != -1 and a != s for a, s in zip(arr_shape, shape))
    ):
        want = "(" + ", ".join("any" if s == -1 else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"{name} must have shape {want}, got {arr_shape}")
    if not is_concrete(value):
        return value
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def check_positive_vector(value, name: str) -> np.ndarray:
    """``value`` as a non-empty 1-D float64 NumPy array with every entry finite and ``> 0`` (skill frequencies).

    Traced values are returned unchanged after the shape check.
    """
    shape = np.shape(value) if not is_concrete(value) else _as_float_array(value, name).shape
    if len(shape) != 1 or shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {shape}")
    if not is_concrete(value):
        return value
    arr = _as_float_array(value, name)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {arr}")
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0 in every entry, got {arr}")
    return arr


def check_choice(value, name: str, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices`` (strings), else a ``ValueError`` listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_key(key, name: str = "key") -> jax.Array:
    """A JAX PRNG key: a typed key (``jax.random.key``) or a raw ``uint32[2]`` key; integers are refused.

    Integer seeds are refused on purpose (one rule everywhere): write ``jax.random.key(seed)``.
    """
    if isinstance(key, (bool, int, np.integer)):
        raise ValueError(f"{name} must be a JAX PRNG key, e.g. jax.random.key({key!r}); got the integer {key!r}")
    if isinstance(key, jax.Array) and jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
        return key
    if isinstance(key, (jax.Array, np.ndarray)) and key.dtype == np.uint32 and key.shape[-1:] == (2,):
        return key
    raise ValueError(f"{name} must be a JAX PRNG key (jax.random.key(seed)), got {type(key).__name__}")


def check_times(ts, name: str = "ts (times)", *, strict: bool = False) -> np.ndarray:
    """``ts`` as a non-empty 1-D float64 NumPy array of finite times ``>= 0``, non-decreasing (``strict``: increasing).

    The message says which rule failed and where: "not finite at index k", "negative at index k", "decreasing at
    index k" or "repeated at index k" (a trajectory's ``t`` coordinate must be strictly increasing).
    """
    arr = _as_float_array(ts, name)
    if arr.ndim != 1 or arr.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of times, got shape {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ValueError(f"{name} must be finite, but entry {bad[0]} is {arr[bad[0]]}")
    bad = np.flatnonzero(arr < 0)
    if bad.size:
        raise ValueError(f"{name} must be >= 0, but entry {bad[0]} is negative ({arr[bad[0]]:g})")
    step = np.diff(arr)
    bad = np.flatnonzero(step < 0)
    if bad.size:
        k = bad[0] + 1
        raise ValueError(f"{name} must be non-decreasing, but they decrease at index {k} "
                         f"({arr[k - 1]:g} then {arr[k]:g})")
    bad = np.flatnonzero(step == 0)
    if strict and bad.size:
        k = bad[0] + 1
        raise ValueError(f"{name} must be strictly increasing (the trajectory's t coordinate), but the time "
                         f"{arr[k]:g} is repeated at index {k}")
    return arr
