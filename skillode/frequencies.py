"""Skill frequencies ``p_i``: how often each skill's data appears.

Every model in skillode takes a frequency vector ``p`` of shape ``(n,)``. The paper's default is a Zipf law
``p_i ∝ i^(-alpha)`` with ``alpha = 2`` and ``n = 10`` (arXiv:2501.12391, Figs. 4–7). All constructors here
validate their input and return a NumPy ``float64`` array; nothing is clipped or renormalised behind the caller's back.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_int, check_positive_vector, check_scalar

__all__ = ["zipf", "exponential", "as_frequencies"]


def zipf(n: int, alpha: float = 2.0) -> np.ndarray:
    r"""Zipf frequencies ``p_i = i^{-alpha} / sum_j j^{-alpha}`` for ``i = 1..n``.

    **Arguments:**

    - `n`: number of skills, ``>= 1``.
    - `alpha`: Zipf exponent, finite and ``>= 0`` (``alpha = 0`` gives equal frequencies).

    **Returns:** array of shape ``(n,)``, positive, decreasing, summing to 1.

    Examples:
        >>> zipf(3, alpha=1.0).round(4)
        array([0.5455, 0.2727, 0.1818])
    """
    n = check_int(n, "n (number of skills)")
    alpha = check_scalar(alpha, "alpha (Zipf exponent)", low=0.0)
    w = np.arange(1, n + 1, dtype=np.float64) ** (-alpha)
    return w / w.sum()


def exponential(n: int, base: float = 3.0) -> np.ndarray:
    r"""Exponentially decaying frequencies ``p_i ∝ base^{-i}``, normalised (a Fig. 6 setting uses ``base = 3``).

    **Arguments:**

    - `n`: number of skills, ``>= 1``.
    - `base`: ratio between consecutive frequencies, finite and ``> 0``.

    **Returns:** array of shape ``(n,)`` summing to 1.
    """
    n = check_int(n, "n (number of skills)")
    base = check_scalar(base, "base", low=0.0, strict=True)
    logw = -np.arange(1, n + 1, dtype=np.float64) * np.log(base)
    w = np.exp(logw - logw.max())
    return w / w.sum()


def as_frequencies(p, *, normalized: bool = True, rtol: float = 1e-9) -> np.ndarray:
    """Validate a custom frequency vector and return it as ``float64`` of shape ``(n,)``.

    **Arguments:**

    - `p`: array-like of shape ``(n,)``; every entry finite and ``> 0``.
    - `normalized`: if True (default) ``p`` must sum to 1 within ``rtol``. Pass False for the paper's
      unnormalised frequencies (Fig17, Fig2/16); nothing is ever renormalised silently.

    Raises ``ValueError`` naming ``p`` and the allowed range.
    """
    arr = check_positive_vector(p, "p (skill frequencies)")
    if normalized and abs(arr.sum() - 1.0) > rtol * max(1.0, arr.size):
        raise ValueError(
            f"p (skill frequencies) must sum to 1 (got sum {arr.sum():.12g}); pass normalized=False "
            "to use unnormalised frequencies deliberately"
        )
    return arr
