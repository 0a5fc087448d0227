"""Optimizer presets: the paper's SignGD (Adam with zero betas) and the others' defaults."""

import jax.numpy as jnp
import numpy as np
import optax
import pytest

import skillode as sk

pytestmark = pytest.mark.standard_dtype_promotion  # optax's Adam: b1 ** count (see conftest.py)


def test_signgd_preset_is_the_papers_adam_zero_betas():
    opt = sk.make_optimizer("signgd", 0.1)
    g = jnp.array([2.0, -3e-9, 0.0])
    updates, _ = opt.update(g, opt.init(g))
    np.testing.assert_allclose(updates, -0.1 * g / (jnp.abs(g) + 1e-8), rtol=1e-12)
    exact = sk.make_optimizer("sign", 0.1)
    np.testing.assert_allclose(exact.update(g, exact.init(g))[0], -0.1 * jnp.sign(g))


def test_optimizer_presets_use_the_papers_defaults():
    g = jnp.array([1.0, -2.0])
    lion = sk.make_optimizer("lion", 0.1)
    reference = optax.lion(0.1, b1=0.9, b2=0.99, weight_decay=0.0)
    np.testing.assert_allclose(lion.update(g, lion.init(g), g)[0], reference.update(g, reference.init(g), g)[0])
    with pytest.raises(ValueError, match="optimizer must be one of"):
        sk.make_optimizer("adagrad", 0.1)
    with pytest.raises(ValueError, match="learning_rate"):
        sk.make_optimizer("adam", -1.0)
