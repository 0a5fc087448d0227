"""Multi-skill data sets for training networks, in JAX, seeded by explicit keys (arXiv:2501.12391, Figs. 2, 13, 16, 19).

Every task is a small immutable `equinox.Module` that owns its data (or, for the quantization-model task, the
rule to draw fresh data) and knows how to

- draw a training batch: ``task.train_batch(key, batch_size) -> Batch``;
- turn predictions into per-entry losses: ``task.entry_losses(pred, batch) -> (B, K)``, already weighted by
  the batch mask, so that the paper's loss is ``entry_losses(...).mean()``;
- measure every skill on its fixed evaluation set: ``task.skill_metrics(pred, task.eval_batch())`` returns
  ``skill_loss``, ``accuracy`` and ``skill_level``, each of shape ``(n_skills,)``.

Models act on one sample (the equinox convention); the training loop vmaps them over the batch.

| task | input ``x`` | target ``y`` | skills |
| --- | --- | --- | --- |
| `MultitaskSparseParity` | ``(B, n_bits)`` 0/1 | ``(B, K)`` 0/1, MSE | one per output column (Fig. 2, 16) |
| `QuantizedSparseParity` | ``(B, n_c + n_d)`` 0/1 | ``(B,)`` class, CE | one per control bit (Michaud et al.) |
| `ModularAddition` | ``(B, 2)`` int | ``(B,)`` class, CE | ``"train"`` and ``"test"`` splits |
| `TwoTaskRegression` | ``(B, 2)`` float | ``(B, 2)`` x², MSE | one per output column (Fig. 19) |

Skill levels. For binary parities ``skill_level = 2·accuracy − 1`` (0 at chance, 1 when every sample is right;
this is the inverse of the paper's ``acc ≈ 0.5 + 0.5·s``, Fig. 16). For modular addition
``skill_level = (accuracy − 1/m) / (1 − 1/m)`` with ``m`` the modulus. For regression ``skill_level`` is the
fraction of the target's variance explained, ``1 − MSE_i / Var(y_i)``. None of them is clipped.
"""

from __future__ import annotations

import abc
import itertools
import math
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._validate import check_int, check_key, check_scalar
from ..frequencies import as_frequencies, zipf

__all__ = [
    "Batch",
    "AbstractSkillTask",
    "MultitaskSparseParity",
    "QuantizedSparseParity",
    "ModularAddition",
    "TwoTaskRegression",
    "integers_to_bits",
    "parity",
    "domino_parity",
    "compositional_parity",
    "independent_4bit_parity",
]


class Batch(eqx.Module):
    """A batch of training or evaluation data.

    - `x`: inputs, shape ``(B, ...)`` (one row per sample).
    - `y`: targets, ``(B, K)`` floats for regression-style tasks or ``(B,)`` integer classes.
    - `mask`: weights of each loss entry, shape ``(B, K)`` (``K = 1`` for classification).
    - `skill`: integer skill index of each sample, shape ``(B,)``, for tasks whose skills are sample groups
      (``None`` where skills are output columns).
    """

    x: jax.Array
    y: jax.Array
    mask: jax.Array
    skill: jax.Array | None = None


def _check_subsets(subsets, n_bits: int) -> tuple[tuple[int, ...], ...]:
    try:
        out = tuple(tuple(int(b) for b in s) for s in subsets)
    except TypeError as err:
        raise ValueError(f"subsets must be a sequence of sequences of bit indices, got {subsets!r}") from err
    if len(out) == 0:
        raise ValueError("subsets must name at least one task (a non-empty sequence of bit-index tuples)")
    for s in out:
        if len(s) == 0 or len(set(s)) != len(s) or min(s) < 0 or max(s) >= n_bits:
            raise ValueError(f"each subset must hold distinct bit indices in [0, {n_bits - 1}], got {s}")
    return out


def integers_to_bits(ints: jax.Array, n_bits: int, dtype=jnp.float64) -> jax.Array:
    """Write non-negative integers as ``n_bits``-bit binary vectors, most significant bit first.

    **Arguments:** `ints` of shape ``(B,)`` (unsigned or non-negative), `n_bits` in ``[1, 32]``.

    **Returns:** shape ``(B, n_bits)`` of 0/1 in `dtype`.

    Examples:
        >>> integers_to_bits(jnp.array([5], jnp.uint32), 4)
        Array([[0., 1., 0., 1.]], dtype=float64)
    """
    n_bits = check_int(n_bits, "n_bits", 1, 32)
    shifts = jnp.arange(n_bits - 1, -1, -1, dtype=jnp.uint32)
    return ((jnp.asarray(ints, jnp.uint32)[:, None] >> shifts) & 1).astype(dtype)


def parity(bits: jax.Array, subset) -> jax.Array:
    """Parity (sum mod 2) of the bit positions `subset` (0-indexed) of each row of `bits` ``(B, n)`` -> ``(B,)``."""
    return jnp.mod(jnp.sum(bits[:, jnp.asarray(subset)], axis=-1), 2)


class AbstractSkillTask(eqx.Module):
    """Interface of a multi-skill task (see the module docstring for the contract and shapes)."""

    skill_names: eqx.AbstractVar[tuple[str, ...]]

    @property
    def n_skills(self) -> int:
        return len(self.skill_names)

    @property
    def p(self) -> np.ndarray | None:
        """Skill frequencies ``(n_skills,)`` as seen by the training loss, or ``None`` if not meaningful."""
        return None

    @property
    def loss_weights(self) -> np.ndarray:
        """Weights ``w`` of the logged total loss ``sum_i w_i ell_i``: ``p / sum(p)``, or uniform without ``p``."""
        p = self.p
        w = np.ones(self.n_skills) if p is None else np.asarray(p, dtype=np.float64)
        return w / w.sum()

    @abc.abstractmethod
    def train_batch(self, key: jax.Array, batch_size: int | None = None) -> Batch:
        """A training batch drawn with ``key`` (``batch_size=None``: the full batch where the task allows it)."""

    @abc.abstractmethod
    def eval_batch(self) -> Batch:
        """The fixed batch on which skills are measured."""

    @abc.abstractmethod
    def entry_losses(self, pred: jax.Array, batch: Batch) -> jax.Array:
        """Masked per-entry losses ``(B, K)`` of predictions ``pred`` on ``batch``."""

    @abc.abstractmethod
    def skill_metrics(self, pred: jax.Array, batch: Batch) -> dict[str, jax.Array]:
        """Per-skill ``skill_level``, ``skill_loss`` and ``accuracy``, each of shape ``(n_skills,)``."""


def _column_metrics(pred, batch: Batch, binary: bool, var=None) -> dict[str, jax.Array]:
    # Skill i = output column i, measured on the rows where the evaluation mask is 1.
    w = batch.mask
    count = jnp.maximum(w.sum(0), 1)
    sq = (pred - batch.y) ** 2
    skill_loss = (w * sq).sum(0) / count
    if binary:
        accuracy = (w * ((pred > 0.5) == (batch.y > 0.5))).sum(0) / count
        level = 2.0 * accuracy - 1.0
    else:
        accuracy = (w * (sq < 1e-3)).sum(0) / count
        level = 1.0 - skill_loss / var
    return {"skill_loss": skill_loss, "accuracy": accuracy, "skill_level": level}


def _group_metrics(logits, batch: Batch, n_skills: int, n_classes: int) -> dict[str, jax.Array]:
    # Skill i = samples with batch.skill == i; cross-entropy over classes.
    ce = -jnp.take_along_axis(jax.nn.log_softmax(logits, -1), batch.y[:, None], -1)[:, 0]
    correct = (jnp.argmax(logits, -1) == batch.y).astype(logits.dtype)
    onehot = jax.nn.one_hot(batch.skill, n_skills, dtype=logits.dtype)
    count = jnp.maximum(onehot.sum(0), 1)
    accuracy = onehot.T @ correct / count
    chance = 1.0 / n_classes
    return {
        "skill_loss": onehot.T @ ce / count,
        "accuracy": accuracy,
        "skill_level": (accuracy - chance) / (1.0 - chance),
    }


def _ce_entries(logits, batch: Batch) -> jax.Array:
    ce = -jnp.take_along_axis(jax.nn.log_softmax(logits, -1), batch.y[:, None], -1)
    return batch.mask * ce


class MultitaskSparseParity(AbstractSkillTask):
    """Multitask sparse parity as the paper ran it (Figs. 2 and 16).

    ``n_samples`` integers are drawn uniformly with replacement from ``[0, 2^n_bits)`` and written MSB first as
    ``x ∈ {0,1}^n_bits``. Task ``i`` is the parity of the fixed bit subset ``subsets[i]`` (0-indexed), regressed
    with MSE on output ``i`` (targets 0/1, no sigmoid). Task ``i`` is seen with frequency ``p_i``: at every
    step the rows are re-permuted and the last ``B - floor(B·(1 - p_i))`` positions carry task ``i``'s loss,
    so a fresh random fraction ``p_i`` of the samples trains task ``i`` (the paper's position-tied mask).

    Shapes: ``x (B, n_bits)``, ``y (B, K)``, ``mask (B, K)`` with ``K = len(subsets)``. The evaluation batch is
    all ``n_samples`` rows with mask 1 (the paper measures accuracy on the training rows).

    Examples:
        >>> task = MultitaskSparseParity(subsets=((0, 1), (2, 3)), p=(1.0, 0.1), key=jax.random.key(4))
        >>> task.train_batch(jax.random.key(0)).mask.mean(0).round(2)
        Array([1. , 0.1], dtype=float64)
    """

    x: jax.Array
    y: jax.Array
    subsets: tuple[tuple[int, ...], ...] = eqx.field(static=True)
    frequencies: tuple[float, ...] = eqx.field(static=True)
    n_bits: int = eqx.field(static=True)
    skill_names: tuple[str, ...] = eqx.field(static=True)

    def __init__(self, *, subsets, key, n_samples: int = 10_000, p=None, n_bits: int = 32, dtype=jnp.float64):
        key = check_key(key)
        self.n_bits = check_int(n_bits, "n_bits", 1, 32)
        self.subsets = _check_subsets(subsets, self.n_bits)
        n_samples = check_int(n_samples, "n_samples", 2)
        k = len(self.subsets)
        if p is None:
            p = np.ones(k)
        p = as_frequencies(p, normalized=False)
        if p.shape != (k,) or np.any(p > 1):
            raise ValueError(f"p (task frequencies) must have shape ({k},) with entries in (0, 1], got {p}")
        self.frequencies = tuple(float(v) for v in p)
        ints = jax.random.bits(key, (n_samples,), dtype=jnp.uint32) >> (32 - self.n_bits)
        self.x = integers_to_bits(ints, self.n_bits, dtype)
        self.y = jnp.stack([parity(self.x, s) for s in self.subsets], axis=1).astype(dtype)
        self.skill_names = tuple("x" + "⊕x".join(str(b + 1) for b in s) for s in self.subsets)

    @property
    def p(self) -> np.ndarray:
        return np.asarray(self.frequencies)

    def train_batch(self, key, batch_size: int | None = None) -> Batch:
        n = self.x.shape[0]
        b = n if batch_size is None else check_int(batch_size, "batch_size", 1, n)
        rows = jax.random.permutation(key, n)[:b]
        cut = np.floor(b * (1.0 - self.p)).astype(np.int64)  # static: depends on b and p only
        mask = (np.arange(b)[:, None] >= cut[None, :]).astype(self.x.dtype)
        return Batch(self.x[rows], self.y[rows], jnp.asarray(mask))

    def eval_batch(self) -> Batch:
        return Batch(self.x, self.y, jnp.ones_like(self.y))

    def entry_losses(self, pred, batch: Batch) -> jax.Array:
        return batch.mask * (pred - batch.y) ** 2

    def skill_metrics(self, pred, batch: Batch) -> dict[str, jax.Array]:
        return _column_metrics(pred, batch, binary=True)


def domino_parity(*, key, p2: float = 0.1, n_samples: int = 10_000, dtype=jnp.float64) -> MultitaskSparseParity:
    """Fig. 2 "Case 1": tasks ``x1⊕x2`` (frequency 1) and ``x3⊕x4`` (frequency `p2`), 10,000 rows."""
    return MultitaskSparseParity(subsets=((0, 1), (2, 3)), p=(1.0, p2), key=key, n_samples=n_samples, dtype=dtype)


def compositional_parity(*, key, n_samples: int = 8_000, dtype=jnp.float64) -> MultitaskSparseParity:
    """Fig. 2 "Case 2": ``T1 = x3⊕x4``, ``T2 = x1⊕x2``, ``T3 = T1⊕T2 = x1⊕x2⊕x3⊕x4``, equal frequencies."""
    return MultitaskSparseParity(subsets=((2, 3), (0, 1), (0, 1, 2, 3)), key=key, n_samples=n_samples, dtype=dtype)


def independent_4bit_parity(*, key, n_samples: int = 8_000, dtype=jnp.float64) -> MultitaskSparseParity:
    """Fig. 16 (bottom): ``x3⊕x4``, ``x1⊕x2`` and the independent 4-bit ``x5⊕x6⊕x7⊕x8``."""
    return MultitaskSparseParity(subsets=((2, 3), (0, 1), (4, 5, 6, 7)), key=key, n_samples=n_samples, dtype=dtype)


_MAX_ENUMERATED = 200_000


class QuantizedSparseParity(AbstractSkillTask):
    """Multitask sparse parity of the quantization model (Michaud et al. 2023, arXiv:2303.13506).

    An input is ``n_control`` one-hot control bits, which select task ``i``, followed by ``n_data`` uniform
    data bits. The label is the parity of task ``i``'s own fixed ``k``-subset of the data bits (subsets drawn
    from `key`, all distinct whenever ``C(n_data, k) <= 200,000``, so no two tasks share a parity). Tasks appear
    with Zipf frequencies ``p_i ∝ i^(-alpha)``; every training batch is fresh, drawn from the key it is given.
    Two-class cross-entropy on logits of shape ``(2,)``.

    Shapes: ``x (B, n_control + n_data)``, ``y (B,)`` in {0, 1}, ``mask (B, 1)``, ``skill (B,)`` task index.
    The evaluation batch holds ``n_eval_per_skill`` fresh samples of *every* task (balanced), drawn from `key`.

    Examples:
        >>> task = QuantizedSparseParity(n_control=100, n_data=50, k=3, alpha=1.0, key=jax.random.key(0))
        >>> task.train_batch(jax.random.key(1), 1024).x.shape
        (1024, 150)
    """

    subsets: jax.Array
    eval_x: jax.Array
    eval_y: jax.Array
    eval_skill: jax.Array
    n_control: int = eqx.field(static=True)
    n_data: int = eqx.field(static=True)
    k: int = eqx.field(static=True)
    alpha: float = eqx.field(static=True)
    skill_names: tuple[str, ...] = eqx.field(static=True)
    dtype: object = eqx.field(static=True)
    n_classes: ClassVar[int] = 2

    def __init__(
        self, *, n_control: int, n_data: int, k: int, alpha: float, key, n_eval_per_skill: int = 64, dtype=jnp.float64
    ):
        key = check_key(key)
        self.n_control = check_int(n_control, "n_control", 1)
        self.n_data = check_int(n_data, "n_data", 1)
        self.k = check_int(k, "k", 1, self.n_data)
        zipf(self.n_control, alpha)  # validates alpha
        self.alpha = float(alpha)
        n_eval = check_int(n_eval_per_skill, "n_eval_per_skill", 1)
        self.dtype = dtype
        k_sub, k_eval = jax.random.split(key)
        n_subsets = math.comb(self.n_data, self.k)
        if n_subsets <= _MAX_ENUMERATED:
            # distinct subsets: two tasks sharing a parity would be one skill seen under two control bits
            if n_subsets < self.n_control:
                raise ValueError(
                    f"n_control ({self.n_control}) must be <= C(n_data, k) = {n_subsets} so every task has its own "
                    "subset; raise n_data"
                )
            all_subsets = np.array(list(itertools.combinations(range(self.n_data), self.k)), dtype=np.int32)
            rows = jax.random.choice(k_sub, n_subsets, (self.n_control,), replace=False)
            self.subsets = jnp.asarray(all_subsets)[rows]
        else:  # too many to enumerate; independent draws then coincide with negligible probability
            keys = jax.random.split(k_sub, self.n_control)
            self.subsets = jax.vmap(lambda kk: jax.random.permutation(kk, self.n_data)[: self.k])(keys)
        self.skill_names = tuple(f"task{i + 1}" for i in range(self.n_control))
        skill = jnp.repeat(jnp.arange(self.n_control), n_eval)
        self.eval_x, self.eval_y = self._draw(k_eval, skill)
        self.eval_skill = skill

    @property
    def p(self) -> np.ndarray:
        return zipf(self.n_control, self.alpha)

    def _draw(self, key, skill):
        data = jax.random.bernoulli(key, 0.5, (skill.shape[0], self.n_data))
        y = jnp.mod(jnp.take_along_axis(data, self.subsets[skill], axis=1).sum(-1), 2)
        x = jnp.concatenate([jax.nn.one_hot(skill, self.n_control, dtype=self.dtype), data.astype(self.dtype)], 1)
        return x, y.astype(jnp.int32)

    def train_batch(self, key, batch_size: int | None = None) -> Batch:
        if batch_size is None:
            raise ValueError("batch_size is required: QuantizedSparseParity draws fresh samples every step")
        b = check_int(batch_size, "batch_size", 1)
        k_task, k_data = jax.random.split(key)
        skill = jax.random.categorical(k_task, jnp.log(jnp.asarray(self.p)), shape=(b,))
        x, y = self._draw(k_data, skill)
        return Batch(x, y, jnp.ones((b, 1), self.dtype), skill)

    def eval_batch(self) -> Batch:
        return Batch(self.eval_x, self.eval_y, jnp.ones((self.eval_y.shape[0], 1), self.dtype), self.eval_skill)

    def entry_losses(self, pred, batch: Batch) -> jax.Array:
        return _ce_entries(pred, batch)

    def skill_metrics(self, pred, batch: Batch) -> dict[str, jax.Array]:
        return _group_metrics(pred, batch, self.n_skills, self.n_classes)


class ModularAddition(AbstractSkillTask):
    """Modular addition ``(a + b) mod m`` over all ``m²`` pairs, split train/test by `key` (Fig. 13).

    A fraction `train_fraction` of the pairs (chosen without replacement) is the training set; the rest is
    the test set. The two *skills* are the two splits, ``"train"`` and ``"test"``: their levels are train and
    test accuracy rescaled so chance is 0. Only train rows enter the training loss (cross-entropy over ``m``
    classes).

    Shapes: ``x (B, 2)`` integer pairs, ``y (B,)`` in ``[0, m)``, ``mask (B, 1)``, ``skill (B,)`` (0 train,
    1 test) in the evaluation batch, which holds all ``m²`` pairs.
    """

    pairs: jax.Array
    labels: jax.Array
    is_test: jax.Array
    train_rows: jax.Array
    modulus: int = eqx.field(static=True)
    skill_names: tuple[str, ...] = eqx.field(static=True)

    def __init__(self, *, key, modulus: int = 59, train_fraction: float = 0.8):
        key = check_key(key)
        self.modulus = check_int(modulus, "modulus", 2)
        if not (0.0 < float(train_fraction) < 1.0):
            raise ValueError(f"train_fraction must lie in (0, 1), got {train_fraction!r}")
        m2 = self.modulus**2
        n_train = int(m2 * float(train_fraction))  # floor, as the paper (2784 of 3481)
        if not 1 <= n_train < m2:
            raise ValueError(f"train_fraction={train_fraction} leaves an empty train or test set for {m2} pairs")
        a, b = jnp.divmod(jnp.arange(m2), self.modulus)
        self.pairs = jnp.stack([a, b], 1).astype(jnp.int32)
        self.labels = ((a + b) % self.modulus).astype(jnp.int32)
        self.train_rows = jnp.sort(jax.random.choice(key, m2, (n_train,), replace=False))
        self.is_test = jnp.ones(m2, jnp.int32).at[self.train_rows].set(0)
        self.skill_names = ("train", "test")

    @property
    def loss_weights(self) -> np.ndarray:
        """The logged total loss is the training-split loss only."""
        return np.array([1.0, 0.0])

    def train_batch(self, key, batch_size: int | None = None) -> Batch:
        rows = self.train_rows
        if batch_size is not None:
            b = check_int(batch_size, "batch_size", 1, rows.shape[0])
            rows = jax.random.choice(key, rows, (b,), replace=False)
        return Batch(self.pairs[rows], self.labels[rows], jnp.ones((rows.shape[0], 1)), jnp.zeros_like(rows))

    def eval_batch(self) -> Batch:
        return Batch(self.pairs, self.labels, jnp.ones((self.labels.shape[0], 1)), self.is_test)

    def entry_losses(self, pred, batch: Batch) -> jax.Array:
        return _ce_entries(pred, batch).astype(pred.dtype)

    def skill_metrics(self, pred, batch: Batch) -> dict[str, jax.Array]:
        return _group_metrics(pred, batch, 2, self.modulus)


class TwoTaskRegression(AbstractSkillTask):
    """The two-task ``x²`` regression of the modularity experiment (Fig. 19).

    ``x ~ U[-1, 1]²`` for `n_samples` rows. A random ``round(p2·n_samples)`` of them are task-2 rows
    (``x1 = 0``, target ``y2 = x2²`` on output 1); the rest are task-1 rows (``x2 = 0``, target ``y1 = x1²`` on
    output 0). Loss: mean over all ``n × 2`` entries of ``mask·(pred − x²)²``. Skill ``i``'s loss is the MSE of
    output ``i`` over its own rows; the paper's learning time is the first step where it is below ``1e-3``.

    Shapes: ``x (B, 2)``, ``y (B, 2)``, ``mask (B, 2)`` one-hot per row. The evaluation batch is the data set.
    """

    x: jax.Array
    y: jax.Array
    mask: jax.Array
    target_var: jax.Array
    p2: float = eqx.field(static=True)
    skill_names: tuple[str, ...] = eqx.field(static=True)

    def __init__(self, *, key, n_samples: int = 1000, p2: float = 0.01, dtype=jnp.float64):
        key = check_key(key)
        n = check_int(n_samples, "n_samples", 2)
        p2 = check_scalar(p2, "p2 (frequency of task 2)", low=0.0, strict=True, high=1.0)
        n2 = int(round(p2 * n))
        if not (0.0 < p2 < 1.0) or not 1 <= n2 < n:
            raise ValueError(f"p2 must lie in (0, 1) with 1 <= round(p2·n_samples) < n_samples, got p2={p2!r}")
        self.p2 = float(p2)
        k_x, k_rows = jax.random.split(key)
        x = jax.random.uniform(k_x, (n, 2), dtype, -1.0, 1.0)
        task2 = jnp.zeros(n, bool).at[jax.random.choice(k_rows, n, (n2,), replace=False)].set(True)
        x = jnp.where(task2[:, None], x.at[:, 0].set(0.0), x.at[:, 1].set(0.0))
        self.x, self.y = x, x**2
        self.mask = jnp.stack([~task2, task2], 1).astype(dtype)
        m = self.mask
        mean = (m * self.y).sum(0) / m.sum(0)
        self.target_var = (m * (self.y - mean) ** 2).sum(0) / m.sum(0)
        self.skill_names = ("task1", "task2")

    @property
    def p(self) -> np.ndarray:
        return np.asarray(self.mask.mean(0))

    def train_batch(self, key, batch_size: int | None = None) -> Batch:
        if batch_size is None:
            return Batch(self.x, self.y, self.mask)
        b = check_int(batch_size, "batch_size", 1, self.x.shape[0])
        rows = jax.random.choice(key, self.x.shape[0], (b,), replace=False)
        return Batch(self.x[rows], self.y[rows], self.mask[rows])

    def eval_batch(self) -> Batch:
        return Batch(self.x, self.y, self.mask)

    def entry_losses(self, pred, batch: Batch) -> jax.Array:
        return batch.mask * (pred - batch.y) ** 2

    def skill_metrics(self, pred, batch: Batch) -> dict[str, jax.Array]:
        return _column_metrics(pred, batch, binary=False, var=self.target_var)
