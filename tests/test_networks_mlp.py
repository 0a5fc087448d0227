"""Networks: shapes, PyTorch-style init, the block-diagonal MLP really is block-diagonal."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from skillode.networks import MLP, BlockDiagonalMLP, EmbeddingMLP


def test_mlp_shapes_and_init_bounds():
    net = MLP((32, 50, 2), "relu", key=jax.random.key(0))
    assert net(jnp.zeros(32)).shape == (2,)
    assert [w.shape for w in net.weights] == [(50, 32), (2, 50)]
    assert float(jnp.abs(net.weights[0]).max()) <= 1 / np.sqrt(32)
    assert float(jnp.abs(net.weights[1]).max()) > 0.8 / np.sqrt(50)  # uniform fills its range
    relu_out = jax.nn.relu(net.weights[0] @ jnp.ones(32) + net.biases[0])
    np.testing.assert_allclose(net(jnp.ones(32)), net.weights[1] @ relu_out + net.biases[1])


def test_embedding_mlp():
    net = EmbeddingMLP(7, 4, (8,), key=jax.random.key(0))
    out = net(jnp.array([2, 5]))
    assert out.shape == (7,)
    h = jnp.concatenate([net.embedding[2], net.embedding[5]])
    np.testing.assert_allclose(out, net.mlp(h))
    grads = eqx.filter_grad(lambda m: m(jnp.array([2, 5])).sum())(net)
    assert float(jnp.abs(grads.embedding[2]).sum()) > 0 and float(jnp.abs(grads.embedding[0]).sum()) == 0


def _cross_block_jacobian(net):
    jac = np.asarray(jax.vmap(jax.jacfwd(net))(jax.random.uniform(jax.random.key(1), (5, 2), minval=-1)))
    return jac[:, 0, 1], jac[:, 1, 0], jac[:, 0, 0], jac[:, 1, 1]


def test_block_diagonal_mlp_has_independent_towers_before_and_after_training():
    net = BlockDiagonalMLP((2, 100, 100, 2), "silu", n_blocks=2, key=jax.random.key(0))
    off01, off10, d0, d1 = _cross_block_jacobian(net)
    assert np.all(off01 == 0) and np.all(off10 == 0) and np.all(d0 != 0) and np.all(d1 != 0)
    # train a few steps with weight decay on a loss that couples both outputs to both inputs
    params, static = eqx.partition(net, eqx.is_inexact_array)
    opt = optax.adamw(1e-2, weight_decay=0.1)
    state = opt.init(params)
    x = jax.random.normal(jax.random.key(2), (64, 2))
    target = jnp.stack([x[:, 1], x[:, 0]], 1)  # each output "wants" the other input

    def loss(p):
        return jnp.mean((jax.vmap(eqx.combine(p, static))(x) - target) ** 2)

    for _ in range(5):
        g = jax.grad(loss)(params)
        upd, state = opt.update(g, state, params)
        params = optax.apply_updates(params, upd)
    trained = eqx.combine(params, static)
    off01, off10, _, _ = _cross_block_jacobian(trained)
    assert np.all(off01 == 0) and np.all(off10 == 0)
    assert all(m.dtype == bool for m in trained.masks)


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: MLP((3,), key=jax.random.key(0)), "widths"),
        (lambda: MLP((3, 0, 2), key=jax.random.key(0)), "widths"),
        (lambda: MLP((3, 2), "gelu", key=jax.random.key(0)), "activation"),
        (lambda: BlockDiagonalMLP((3, 4, 2), n_blocks=2, key=jax.random.key(0)), "divisible"),
        (lambda: BlockDiagonalMLP((2, 4, 2), n_blocks=0, key=jax.random.key(0)), "n_blocks"),
        (lambda: EmbeddingMLP(1, key=jax.random.key(0)), "vocab_size"),
    ],
)
def test_bad_input(build, match):
    with pytest.raises(ValueError, match=match):
        build()
