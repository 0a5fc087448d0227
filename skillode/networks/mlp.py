"""Equinox networks for the skill-learning experiments (arXiv:2501.12391, Figs. 2, 13, 16, 19).

All models act on a single sample (vmap them yourself), take a keyword-only `key`, and are built from
`equinox.nn.Linear` layers, whose default initialisation is PyTorch's (uniform in ``±1/sqrt(fan_in)`` for weights
and biases), as the paper's networks had.

- `MLP`: fully connected, ReLU or SiLU, any widths, e.g. ``widths=(32, 50, 2)`` for sparse parity.
- `BlockDiagonalMLP`: the same shapes with block-diagonal weight masks, i.e. ``n_blocks`` independent towers;
  input block ``j`` only reaches output block ``j`` (Fig. 19's modular net).
- `EmbeddingMLP`: a trainable embedding of two tokens, concatenated and fed to an `MLP` (Fig. 13).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._validate import check_choice, check_int, check_key

__all__ = ["ACTIVATIONS", "MLP", "BlockDiagonalMLP", "EmbeddingMLP"]

ACTIVATIONS: dict[str, Callable] = {"relu": jax.nn.relu, "silu": jax.nn.silu, "tanh": jnp.tanh}


def _check_widths(widths) -> tuple[int, ...]:
    try:
        widths = tuple(widths)
    except TypeError as err:
        raise ValueError(f"widths must be a sequence of layer sizes, got {widths!r}") from err
    if len(widths) < 2:
        raise ValueError(f"widths must hold >= 2 layer sizes (input, hidden..., output), got {widths}")
    return tuple(check_int(w, f"widths[{i}] (layer size)") for i, w in enumerate(widths))


def _linears(widths: tuple[int, ...], key, dtype) -> tuple[eqx.nn.Linear, ...]:
    keys = jax.random.split(check_key(key), len(widths) - 1)
    return tuple(eqx.nn.Linear(a, b, dtype=dtype, key=k) for k, a, b in zip(keys, widths[:-1], widths[1:]))


class MLP(eqx.Module):
    """Multilayer perceptron ``x -> W_L σ(… σ(W_1 x + b_1) …) + b_L`` (no activation on the output).

    **Arguments:**

    - `widths`: layer sizes ``(in, hidden_1, …, out)``; at least two entries, each ``>= 1``.
    - `activation`: ``"relu"`` (sparse parity) or ``"silu"`` (modular addition, regression), or ``"tanh"``.
    - `key`: keyword-only ``jax.random`` key.
    - `dtype`: parameter dtype (default float64, as in the paper; pass ``jnp.float32`` for speed).

    Layer ``l`` is ``layers[l]``, an `equinox.nn.Linear` with weight ``W_l`` of shape ``(widths[l+1], widths[l])``.
    Shapes: input ``(in,)`` -> output ``(out,)``.

    Examples:
        >>> net = MLP((32, 50, 2), "relu", key=jax.random.key(0))
        >>> net(jnp.zeros(32)).shape
        (2,)
    """

    layers: tuple[eqx.nn.Linear, ...]
    widths: tuple[int, ...] = eqx.field(static=True)
    activation: str = eqx.field(static=True)

    def __init__(self, widths: Sequence[int], activation: str = "relu", *, key, dtype=jnp.float64):
        self.widths = _check_widths(widths)
        self.activation = check_choice(activation, "activation", sorted(ACTIVATIONS))
        self.layers = _linears(self.widths, key, dtype)

    def __call__(self, x: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.activation]
        for layer in self.layers[:-1]:
            x = act(layer(x))
        return self.layers[-1](x)


class BlockDiagonalMLP(eqx.Module):
    """An `MLP` whose every weight matrix is block-diagonal: ``n_blocks`` independent towers.

    Layer sizes must be divisible by ``n_blocks``; block ``j`` of layer ``l`` connects only to block ``j`` of
    layer ``l + 1``, so output block ``j`` depends only on input block ``j``:
    ``x_{l+1} = σ((M_l ⊙ W_l) x_l + b_l)`` with ``M_l = I_{n_blocks} ⊗ 1`` (blocks of ones). The masks are boolean
    arrays, hence not trainable (`equinox.is_inexact_array` skips them); the masked weights start at 0, receive
    zero gradient and are multiplied by the mask in every forward pass. Initialisation is a full layer's default
    (fan-in = the whole input width), then masked, as in the paper.
    ``BlockDiagonalMLP((2, 100, 100, 2), "silu", n_blocks=2)`` is the paper's modular net: two towers
    ``1 -> 50 -> 50 -> 1``.

    Shapes: input ``(in,)`` -> output ``(out,)``.
    """

    layers: tuple[eqx.nn.Linear, ...]
    masks: tuple[jax.Array, ...]
    widths: tuple[int, ...] = eqx.field(static=True)
    activation: str = eqx.field(static=True)
    n_blocks: int = eqx.field(static=True)

    def __init__(
        self, widths: Sequence[int], activation: str = "silu", *, n_blocks: int = 2, key, dtype=jnp.float64
    ):
        self.widths = _check_widths(widths)
        self.activation = check_choice(activation, "activation", sorted(ACTIVATIONS))
        self.n_blocks = check_int(n_blocks, "n_blocks")
        if any(w % self.n_blocks for w in self.widths):
            raise ValueError(f"every layer size in widths={self.widths} must be divisible by n_blocks={n_blocks}")
        eye = np.eye(self.n_blocks, dtype=bool)
        masks = tuple(
            np.kron(eye, np.ones((b // self.n_blocks, a // self.n_blocks), bool))
            for a, b in zip(self.widths[:-1], self.widths[1:])
        )
        self.layers = tuple(
            eqx.tree_at(lambda lin: lin.weight, lin, jnp.where(m, lin.weight, 0.0))
            for lin, m in zip(_linears(self.widths, key, dtype), masks)
        )
        self.masks = tuple(jnp.asarray(m) for m in masks)

    def __call__(self, x: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.activation]
        n = len(self.layers)
        for i, (layer, m) in enumerate(zip(self.layers, self.masks)):
            x = jnp.where(m, layer.weight, 0.0) @ x + layer.bias
            if i < n - 1:
                x = act(x)
        return x


class EmbeddingMLP(eqx.Module):
    """Token-pair classifier ``(a, b) -> MLP(concat(E[a], E[b]))`` with a trainable embedding ``E``.

    **Arguments:**

    - `vocab_size`: number of tokens ``m >= 2`` (the modulus for modular addition).
    - `embed_dim`: embedding width ``d >= 1``; ``E ~ N(0, 1)`` of shape ``(m, d)`` (PyTorch's default), an
      `equinox.nn.Embedding`.
    - `hidden`: hidden widths of the MLP, e.g. ``(100, 100)``; its input is ``2d`` and its output ``m``.
    - `activation`: default ``"silu"`` (the Fig. 13 network).

    Shapes: input ``(2,)`` integers -> logits ``(m,)``.
    """

    embedding: eqx.nn.Embedding
    mlp: MLP

    def __init__(
        self,
        vocab_size: int = 59,
        embed_dim: int = 128,
        hidden: Sequence[int] = (100, 100),
        activation: str = "silu",
        *,
        key,
        dtype=jnp.float64,
    ):
        vocab_size = check_int(vocab_size, "vocab_size", 2)
        embed_dim = check_int(embed_dim, "embed_dim")
        ke, km = jax.random.split(check_key(key))
        self.embedding = eqx.nn.Embedding(vocab_size, embed_dim, dtype=dtype, key=ke)
        self.mlp = MLP((2 * embed_dim, *hidden, vocab_size), activation, key=km, dtype=dtype)

    def __call__(self, tokens: jax.Array) -> jax.Array:
        return self.mlp(self.embedding.weight[tokens].reshape(-1))
