"""Named optimizer presets, shared by the Geometry model and the trained networks.

All optimizers are optax ``GradientTransformation`` objects; skillode writes none of its own. The presets
encode exactly what the paper ran:

| name | update (``g`` gradient, ``eta`` learning rate) | optax |
| --- | --- | --- |
| ``signgd`` | ``-eta * g / (abs(g) + 1e-8)`` — the paper's SignGD, Adam(0, 0) | ``adam(b1=0, b2=0)`` |
| ``sign`` | ``-eta * sign(g)`` — exact sign descent | ``sign_sgd`` |
| ``adam`` | Adam with bias correction, ``b1=0.9, b2=0.999`` by default | ``adam`` |
| ``sgd`` | ``-eta * g`` | ``sgd`` |
| ``lion`` | ``-eta * sign(b1 m + (1 - b1) g)``, ``b1=0.9, b2=0.99``, no decay | ``lion`` |
| ``ademamix`` | Adam plus a slow EMA, ``b3=0.9999, alpha=2``, no decay | ``contrib.ademamix`` |
| ``adamw`` | Adam with decoupled weight decay | ``adamw`` |

``signgd`` differs from ``sign`` only where ``|g| <~ 1e-8``: there the paper's step is smaller, and a component
that is exactly 0 does not move (the authors' code). Use ``signgd`` to reproduce figures.

Where optax's defaults differ from the paper's (optax's ``lion`` decays weights by ``1e-3`` and ``ademamix``
uses ``alpha = 5``), the preset uses the paper's value; any keyword passed to `make_optimizer` overrides it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import partial

import jax
import optax

from ._validate import check_scalar

__all__ = ["OPTIMIZERS", "cached_optimizer", "make_optimizer", "signgd"]


def signgd(learning_rate: float, eps: float = 1e-8) -> optax.GradientTransformation:
    r"""SignGD as the paper ran it: Adam with ``b1 = b2 = 0``, i.e. ``Δθ = -eta g / (|g| + eps)``.

    With ``b1 = b2 = 0`` Adam's moments are ``m = g``, ``v = g^2`` and the bias corrections are 1 from the
    first step on, so the update is the sign of ``g`` softened below ``|g| ~ eps``.
    """
    return optax.adam(learning_rate, b1=0.0, b2=0.0, eps=eps)


OPTIMIZERS: dict[str, Callable[..., optax.GradientTransformation]] = {
    "signgd": signgd,
    "sign": optax.sign_sgd,
    "adam": optax.adam,
    "sgd": optax.sgd,
    "lion": partial(optax.lion, b1=0.9, b2=0.99, weight_decay=0.0),
    "ademamix": partial(optax.contrib.ademamix, b1=0.9, b2=0.999, b3=0.9999, alpha=2.0, weight_decay=0.0),
    "adamw": optax.adamw,
}


def make_optimizer(name: str, learning_rate: float, **kwargs) -> optax.GradientTransformation:
    """Build a named optimizer preset (see the module table).

    **Arguments:**

    - `name`: one of ``OPTIMIZERS``.
    - `learning_rate`: ``eta > 0``; a float, or a JAX scalar (so sweeps can ``vmap`` over it).
    - `**kwargs`: passed to the optax constructor (``b1``, ``b2``, ``weight_decay`` …).

    Examples:
        >>> opt = make_optimizer("signgd", 3e-4)
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {name!r}")
    lr = check_scalar(learning_rate, "learning_rate", low=0.0, strict=True)
    if not isinstance(learning_rate, jax.Array):  # a JAX scalar stays one, so sweeps can vmap over it
        learning_rate = lr
    try:
        return OPTIMIZERS[name](learning_rate, **kwargs)
    except TypeError as err:  # an unknown or ill-typed keyword: name the preset and the keywords
        raise ValueError(f"optimizer {name!r}: its optax constructor refused the keyword arguments {sorted(kwargs)} "
                         f"({err})") from None


@functools.lru_cache(maxsize=64)
def cached_optimizer(name: str, learning_rate: float, kwargs: tuple = ()) -> optax.GradientTransformation:
    """`make_optimizer` ``(name, learning_rate, **dict(kwargs))``, the same object for the same arguments.

    Jobs of the scan engine hold their optimizer as a static field: the same object across calls (and across the
    blocks of a sweep) lets ``jit`` reuse the compiled program. ``kwargs`` is a tuple of ``(name, value)`` pairs.
    """
    return make_optimizer(name, learning_rate, **dict(kwargs))
