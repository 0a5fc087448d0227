"""Shared test set-up (as diffrax's test/conftest.py): float64 everywhere, strict dtype promotion, helpers."""

import jax
import numpy as np
import pytest

import skillode as sk

jax.config.update("jax_enable_x64", True)


@pytest.fixture(autouse=True)
def _strict_dtype_promotion(request):
    """Every test runs with JAX's strict dtype promotion (mixed-dtype arithmetic must be explicit), except tests
    marked ``standard_dtype_promotion``: optax's Adam family computes its bias correction as ``b1 ** count`` (a
    Python float to an int32 power), which strict promotion rejects inside optax, not in skillode."""
    mode = "standard" if request.node.get_closest_marker("standard_dtype_promotion") else "strict"
    with jax.numpy_dtype_promotion(mode):
        yield


def toy_trajectory(sweep=False):
    t = np.array([0.0, 10.0, 20.0, 30.0])
    s = np.array([[0.0, 0.5, 1.0, 1.0], [0.0, 0.0, 0.2, 0.6]])
    if sweep:
        return sk.make_trajectory(t, np.stack([s, s * 0.5]), sweep={"N0": [0.1, 1.0]}, p=[0.7, 0.3])
    return sk.make_trajectory(t, s, skill_loss=(1 - s) ** 2, p=[0.7, 0.3], attrs={"C": np.eye(2), "ok": True})
