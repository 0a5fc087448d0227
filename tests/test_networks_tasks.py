"""Data-set correctness of skillode.networks.tasks: bits, parities, frequencies, masks, seeds, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import skillode as sk
from skillode.networks import (
    ModularAddition,
    MultitaskSparseParity,
    QuantizedSparseParity,
    TwoTaskRegression,
    compositional_parity,
    domino_parity,
    integers_to_bits,
)


def test_bits_are_msb_first():
    bits = np.asarray(integers_to_bits(jnp.array([5, 2**31, 2**32 - 1], jnp.uint32), 32))
    assert bits[0, -3:].tolist() == [1, 0, 1] and bits[0, :-3].sum() == 0
    assert bits[1, 0] == 1 and bits[1, 1:].sum() == 0
    assert bits[2].sum() == 32


def test_sparse_parity_labels_match_python_bit_strings():
    task = MultitaskSparseParity(subsets=((0, 1), (2, 3), (0, 5, 31)), key=jax.random.key(1), n_samples=200)
    x, y = np.asarray(task.x), np.asarray(task.y)
    for row, label in zip(x, y):
        integer = int("".join(str(int(b)) for b in row), 2)
        s = format(integer, "032b")  # independent re-encoding, MSB first
        assert [int(s[0]) ^ int(s[1]), int(s[2]) ^ int(s[3]), int(s[0]) ^ int(s[5]) ^ int(s[31])] == label.tolist()
    # uniform integers: every bit is balanced
    assert abs(x.mean() - 0.5) < 0.03


def test_compositional_task_is_xor_of_the_other_two():
    task = compositional_parity(key=jax.random.key(1), n_samples=500)
    y = np.asarray(task.y).astype(int)
    assert np.array_equal(y[:, 2], y[:, 0] ^ y[:, 1])
    assert task.skill_names == ("x3⊕x4", "x1⊕x2", "x1⊕x2⊕x3⊕x4")


@pytest.mark.parametrize("p2", [1.0, 0.5, 0.1, 0.05])
def test_masks_give_exact_frequencies_on_fresh_rows(p2):
    task = domino_parity(key=jax.random.key(4), p2=p2, n_samples=1000)
    b1, b2 = task.train_batch(jax.random.key(0)), task.train_batch(jax.random.key(1))
    n_active = 1000 - int(np.floor(1000 * (1 - p2)))
    for b in (b1, b2):
        assert np.asarray(b.mask).sum(0).tolist() == [1000, n_active]
    if p2 < 1:  # the rows carrying task 2 are re-drawn each step
        rows = lambda b: {tuple(r) for r in np.asarray(b.x)[np.asarray(b.mask)[:, 1] > 0]}  # noqa: E731
        assert rows(b1) != rows(b2)
    mb = task.train_batch(jax.random.key(0), batch_size=100)
    assert np.asarray(mb.mask).sum(0).tolist() == [100, 100 - int(np.floor(100 * (1 - p2)))]


def test_same_key_same_data_other_key_other_data():
    a = domino_parity(key=jax.random.key(3), n_samples=100)
    b = domino_parity(key=jax.random.key(3), n_samples=100)
    c = domino_parity(key=jax.random.key(4), n_samples=100)
    assert np.array_equal(a.x, b.x) and not np.array_equal(a.x, c.x)
    q1 = QuantizedSparseParity(n_control=5, n_data=10, k=3, alpha=1.0, key=jax.random.key(0))
    q2 = QuantizedSparseParity(n_control=5, n_data=10, k=3, alpha=1.0, key=jax.random.key(0))
    assert np.array_equal(q1.subsets, q2.subsets)
    assert np.array_equal(q1.train_batch(jax.random.key(7), 64).x, q2.train_batch(jax.random.key(7), 64).x)


def test_quantized_sparse_parity_contract():
    task = QuantizedSparseParity(n_control=6, n_data=12, k=3, alpha=1.5, key=jax.random.key(2), n_eval_per_skill=8)
    b = task.train_batch(jax.random.key(0), 20_000)
    x, y, s = np.asarray(b.x), np.asarray(b.y), np.asarray(b.skill)
    assert x.shape == (20_000, 18) and y.shape == (20_000,) and b.mask.shape == (20_000, 1)
    assert np.array_equal(x[:, :6].argmax(1), s) and np.all(x[:, :6].sum(1) == 1)
    subsets = np.asarray(task.subsets)
    assert all(len(set(row)) == 3 for row in subsets)
    assert len({tuple(sorted(row)) for row in subsets.tolist()}) == 6  # every task its own subset
    assert np.array_equal(y, x[:, 6:][np.arange(len(s))[:, None], subsets[s]].sum(1) % 2)
    freq = np.bincount(s, minlength=6) / len(s)
    assert np.all(np.abs(freq - sk.zipf(6, 1.5)) < 4 * np.sqrt(sk.zipf(6, 1.5) / len(s)))
    assert np.bincount(np.asarray(task.eval_batch().skill)).tolist() == [8] * 6


def test_modular_addition_split_and_labels():
    task = ModularAddition(key=jax.random.key(0), modulus=59)
    e = task.eval_batch()
    assert e.x.shape == (3481, 2) and task.train_rows.shape == (2784,)
    assert np.array_equal(np.asarray(e.y), np.asarray(e.x).sum(1) % 59)
    assert np.asarray(e.skill).sum() == 3481 - 2784 and np.all(np.asarray(e.skill)[task.train_rows] == 0)
    assert len(set(np.asarray(task.train_rows).tolist())) == 2784


def test_two_task_regression():
    task = TwoTaskRegression(key=jax.random.key(0), n_samples=1000, p2=0.01)
    x, y, m = (np.asarray(a) for a in (task.x, task.y, task.mask))
    assert m.sum(0).tolist() == [990, 10] and np.all(m.sum(1) == 1)
    t2 = m[:, 1] > 0
    assert np.all(x[t2, 0] == 0) and np.all(x[~t2, 1] == 0) and np.array_equal(y, x**2)
    np.testing.assert_allclose(task.target_var, [4 / 45, 4 / 45], rtol=0.6)  # Var(x²), x ~ U[-1, 1]


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: MultitaskSparseParity(subsets=((0, 32),), key=jax.random.key(0)), "subset"),
        (lambda: MultitaskSparseParity(subsets=((0, 0),), key=jax.random.key(0)), "subset"),
        (lambda: MultitaskSparseParity(subsets=(), key=jax.random.key(0)), "subsets"),
        (lambda: MultitaskSparseParity(subsets=((0, 1),), p=(1.5,), key=jax.random.key(0)), "p"),
        (lambda: MultitaskSparseParity(subsets=((0, 1),), p=(0.0,), key=jax.random.key(0)), "p"),
        (lambda: MultitaskSparseParity(subsets=((0, 1),), key=None), "key"),
        (lambda: MultitaskSparseParity(subsets=((0, 1),), key=0), "key"),
        (lambda: MultitaskSparseParity(subsets=((0, 1),), n_bits=33, key=jax.random.key(0)), "n_bits"),
        (lambda: domino_parity(key=jax.random.key(0), n_samples=10).train_batch(jax.random.key(0), 11), "batch_size"),
        (lambda: QuantizedSparseParity(n_control=0, n_data=5, k=2, alpha=1, key=jax.random.key(0)), "n_control"),
        (lambda: QuantizedSparseParity(n_control=3, n_data=5, k=6, alpha=1, key=jax.random.key(0)), "k"),
        (lambda: QuantizedSparseParity(n_control=3, n_data=5, k=2, alpha=-1, key=jax.random.key(0)), "alpha"),
        (lambda: QuantizedSparseParity(n_control=11, n_data=5, k=2, alpha=1, key=jax.random.key(0)), "n_control"),
        (lambda: ModularAddition(key=jax.random.key(0), modulus=1), "modulus"),
        (lambda: ModularAddition(key=jax.random.key(0), train_fraction=1.0), "train_fraction"),
        (lambda: TwoTaskRegression(key=jax.random.key(0), p2=0.0001), "p2"),
        (lambda: TwoTaskRegression(key=jax.random.key(0), p2=float("nan")), "p2 \\(frequency of task 2\\)"),
        (lambda: TwoTaskRegression(key=jax.random.key(0), p2=float("inf")), "p2 \\(frequency of task 2\\)"),
        (lambda: TwoTaskRegression(key=0, p2=0.1), "jax.random.key\\(0\\)"),
    ],
)
def test_bad_input_names_the_parameter(build, match):
    with pytest.raises(ValueError, match=match):
        build()
