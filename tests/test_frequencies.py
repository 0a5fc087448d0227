"""Skill frequencies: Zipf and exponential laws, validation, nothing renormalised behind the caller's back."""

import numpy as np
import pytest

import skillode as sk


def test_zipf_and_exponential():
    p = sk.zipf(4, 1.0)
    np.testing.assert_allclose(p, np.array([1, 1 / 2, 1 / 3, 1 / 4]) / (25 / 12))
    np.testing.assert_allclose(sk.zipf(3, 0.0), 1 / 3)
    q = sk.exponential(5, 3.0)
    np.testing.assert_allclose(q[:-1] / q[1:], 3.0)
    assert q.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: sk.zipf(0), "n"),
        (lambda: sk.zipf(3, -1.0), "alpha"),
        (lambda: sk.zipf(3, np.nan), "alpha"),
        (lambda: sk.exponential(3, 0.0), "base"),
        (lambda: sk.as_frequencies([0.5, 0.6]), "sum to 1"),
        (lambda: sk.as_frequencies([[0.5, 0.5]]), "1-D"),
        (lambda: sk.as_frequencies([1.0, 0.0], normalized=False), "> 0"),
        (lambda: sk.as_frequencies(["a"]), "p \\(skill frequencies\\) must be numeric"),
        (lambda: sk.ResourceModel(p=[1.0], eta=0.1, N0="abc"), "N0 \\(wasted resources\\) must be numeric"),
    ],
)
def test_frequency_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_unnormalised_frequencies_are_kept_as_given():
    np.testing.assert_array_equal(sk.as_frequencies([0.3, 1.0, 3.0], normalized=False), [0.3, 1.0, 3.0])
