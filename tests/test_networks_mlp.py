"""Networks: shapes, PyTorch-style init, the block-diagonal MLP really is block-diagonal.

Tests marked ``standard_dtype_promotion`` run optax's Adam family, whose bias correction strict promotion rejects."""

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
    w = [layer.weight for layer in net.layers]
    b = [layer.bias for layer in net.layers]
    assert [x.shape for x in w] == [(50, 32), (2, 50)] and [x.shape for x in b] == [(50,), (2,)]
    assert w[0].dtype == jnp.float64
    assert float(jnp.abs(w[0]).max()) <= 1 / np.sqrt(32) and float(jnp.abs(b[0]).max()) <= 1 / np.sqrt(32)
    assert float(jnp.abs(w[1]).max()) > 0.8 / np.sqrt(50)  # uniform fills its range
    relu_out = jax.nn.relu(w[0] @ jnp.ones(32) + b[0])
    np.testing.assert_allclose(net(jnp.ones(32)), w[1] @ relu_out + b[1])


def test_init_is_pytorchs_default_uniform():
    # PyTorch's nn.Linear default: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), independent.
    fan_in = 400
    net = MLP((fan_in, 300, 1), key=jax.random.key(1))
    w, b = np.asarray(net.layers[0].weight).ravel() * np.sqrt(fan_in), np.asarray(net.layers[0].bias) * np.sqrt(fan_in)
    assert np.abs(w).max() <= 1 and abs(w.mean()) < 0.01 and abs(w.var() - 1 / 3) < 0.01
    assert np.abs(b).max() <= 1 and abs(b.var() - 1 / 3) < 0.1
    assert abs(np.corrcoef(w[:300], b)[0, 1]) < 0.2
    assert MLP((3, 2), key=jax.random.key(0), dtype=jnp.float32).layers[0].weight.dtype == jnp.float32


def test_embedding_mlp():
    net = EmbeddingMLP(7, 4, (8,), key=jax.random.key(0))
    out = net(jnp.array([2, 5]))
    assert out.shape == (7,)
    h = jnp.concatenate([net.embedding.weight[2], net.embedding.weight[5]])
    np.testing.assert_allclose(out, net.mlp(h))
    grads = eqx.filter_grad(lambda m: m(jnp.array([2, 5])).sum())(net)
    g = grads.embedding.weight
    assert float(jnp.abs(g[2]).sum()) > 0 and float(jnp.abs(g[0]).sum()) == 0
    assert net.embedding.weight.shape == (7, 4)


def _cross_block_jacobian(net):
    jac = np.asarray(jax.vmap(jax.jacfwd(net))(jax.random.uniform(jax.random.key(1), (5, 2), minval=-1)))
    return jac[:, 0, 1], jac[:, 1, 0], jac[:, 0, 0], jac[:, 1, 1]


@pytest.mark.standard_dtype_promotion
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
        (lambda: BlockDiagonalMLP((2, 4, 2), n_blocks=1.5, key=jax.random.key(0)), "n_blocks"),
        (lambda: MLP((3, 2.5, 2), key=jax.random.key(0)), "widths"),
        (lambda: EmbeddingMLP(1, key=jax.random.key(0)), "vocab_size"),
        (lambda: EmbeddingMLP(5, 0, key=jax.random.key(0)), "embed_dim"),
    ],
)
def test_bad_input(build, match):
    with pytest.raises(ValueError, match=match):
        build()
