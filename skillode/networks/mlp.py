"""Equinox networks for the skill-learning experiments (PAPER §8).

All models act on a single sample (vmap them yourself), take a keyword-only `key`, and initialise every linear
layer like PyTorch's default (uniform in ``±1/sqrt(fan_in)`` for weights and biases), as the paper's networks
did.

- `MLP`: fully connected, ReLU or SiLU, any widths, e.g. ``widths=(32, 50, 2)`` for sparse parity.
- `BlockDiagonalMLP`: the same shapes with block-diagonal weight masks, i.e. ``n_blocks`` independent towers;
  input block ``j`` only reaches output block ``j`` (PAPER §8.4, Fig19's modular net).
- `EmbeddingMLP`: a trainable embedding of two tokens, concatenated and fed to an `MLP` (PAPER §8.3, Fig13).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["ACTIVATIONS", "MLP", "BlockDiagonalMLP", "EmbeddingMLP"]

ACTIVATIONS: dict[str, Callable] = {"relu": jax.nn.relu, "silu": jax.nn.silu, "tanh": jnp.tanh}


def _check_widths(widths) -> tuple[int, ...]:
    try:
        widths = tuple(int(w) for w in widths)
    except TypeError as err:
        raise ValueError(f"widths must be a sequence of layer sizes, got {widths!r}") from err
    if len(widths) < 2 or min(widths) < 1:
        raise ValueError(f"widths must hold >= 2 layer sizes, each >= 1 (input, hidden..., output), got {widths}")
    return widths


def _check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    return activation


def _torch_linear(key, fan_in: int, fan_out: int, dtype):
    kw, kb = jax.random.split(key)
    bound = 1.0 / np.sqrt(fan_in)
    weight = jax.random.uniform(kw, (fan_out, fan_in), dtype, -bound, bound)
    bias = jax.random.uniform(kb, (fan_out,), dtype, -bound, bound)
    return weight, bias


class MLP(eqx.Module):
    """Multilayer perceptron ``x -> W_L σ(… σ(W_1 x + b_1) …) + b_L`` (no activation on the output).

    **Arguments:**

    - `widths`: layer sizes ``(in, hidden_1, …, out)``; at least two entries.
    - `activation`: ``"relu"`` (sparse parity) or ``"silu"`` (modular addition, regression), or ``"tanh"``.
    - `key`: keyword-only ``jax.random`` key.
    - `dtype`: parameter dtype (default float64, as in the paper; pass ``jnp.float32`` for speed).

    Shapes: input ``(in,)`` -> output ``(out,)``.

    Example:
        >>> net = MLP((32, 50, 2), "relu", key=jax.random.key(0))
        >>> net(jnp.zeros(32)).shape
        (2,)
    """

    weights: tuple[jax.Array, ...]
    biases: tuple[jax.Array, ...]
    widths: tuple[int, ...] = eqx.field(static=True)
    activation: str = eqx.field(static=True)

    def __init__(self, widths: Sequence[int], activation: str = "relu", *, key, dtype=jnp.float64):
        self.widths = _check_widths(widths)
        self.activation = _check_activation(activation)
        keys = jax.random.split(key, len(self.widths) - 1)
        layers = [_torch_linear(k, a, b, dtype) for k, a, b in zip(keys, self.widths[:-1], self.widths[1:])]
        self.weights = tuple(w for w, _ in layers)
        self.biases = tuple(b for _, b in layers)

    def __call__(self, x: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.activation]
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            x = act(w @ x + b)
        return self.weights[-1] @ x + self.biases[-1]


class BlockDiagonalMLP(eqx.Module):
    """An `MLP` whose every weight matrix is block-diagonal: ``n_blocks`` independent towers.

    Layer sizes must be divisible by ``n_blocks``; block ``j`` of layer ``l`` connects only to block ``j`` of
    layer ``l + 1``, so output block ``j`` depends only on input block ``j``. The masks are boolean arrays,
    hence not trainable (`equinox.is_inexact_array` skips them); the masked weights start at 0, receive zero
    gradient and are multiplied by the mask in every forward pass. Initialisation is a full layer's default
    (fan-in = the whole input width), then masked, as in the paper.
    ``BlockDiagonalMLP((2, 100, 100, 2), "silu", n_blocks=2)`` is the paper's modular net: two towers
    ``1 -> 50 -> 50 -> 1``.

    Shapes: input ``(in,)`` -> output ``(out,)``.
    """

    weights: tuple[jax.Array, ...]
    biases: tuple[jax.Array, ...]
    masks: tuple[jax.Array, ...]
    widths: tuple[int, ...] = eqx.field(static=True)
    activation: str = eqx.field(static=True)
    n_blocks: int = eqx.field(static=True)

    def __init__(
        self, widths: Sequence[int], activation: str = "silu", *, n_blocks: int = 2, key, dtype=jnp.float64
    ):
        self.widths = _check_widths(widths)
        self.activation = _check_activation(activation)
        if isinstance(n_blocks, bool) or not isinstance(n_blocks, (int, np.integer)) or n_blocks < 1:
            raise ValueError(f"n_blocks must be an integer >= 1, got {n_blocks!r}")
        if any(w % n_blocks for w in self.widths):
            raise ValueError(f"every layer size in widths={self.widths} must be divisible by n_blocks={n_blocks}")
        self.n_blocks = int(n_blocks)
        keys = jax.random.split(key, len(self.widths) - 1)
        weights, biases, masks = [], [], []
        for k, a, b in zip(keys, self.widths[:-1], self.widths[1:]):
            # As in the paper: a full layer's default init (fan-in a), then masked.
            w, bias = _torch_linear(k, a, b, dtype)
            mask = np.kron(np.eye(self.n_blocks, dtype=bool), np.ones((b // self.n_blocks, a // self.n_blocks), bool))
            weights.append(jnp.where(mask, w, 0.0))
            biases.append(bias)
            masks.append(jnp.asarray(mask))
        self.weights, self.biases, self.masks = tuple(weights), tuple(biases), tuple(masks)

    def __call__(self, x: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.activation]
        n = len(self.weights)
        for i, (w, b, m) in enumerate(zip(self.weights, self.biases, self.masks)):
            x = jnp.where(m, w, 0.0) @ x + b
            if i < n - 1:
                x = act(x)
        return x


class EmbeddingMLP(eqx.Module):
    """Token-pair classifier ``(a, b) -> MLP(concat(E[a], E[b]))`` with a trainable embedding ``E``.

    **Arguments:**

    - `vocab_size`: number of tokens ``m`` (the modulus for modular addition).
    - `embed_dim`: embedding width ``d``; ``E ~ N(0, 1)`` of shape ``(m, d)`` (PyTorch's default).
    - `hidden`: hidden widths of the MLP, e.g. ``(100, 100)``; its input is ``2d`` and its output ``m``.
    - `activation`: default ``"silu"`` (PAPER §8.3).

    Shapes: input ``(2,)`` integers -> logits ``(m,)``.
    """

    embedding: jax.Array
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
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, (int, np.integer)) or vocab_size < 2:
            raise ValueError(f"vocab_size must be an integer >= 2, got {vocab_size!r}")
        if isinstance(embed_dim, bool) or not isinstance(embed_dim, (int, np.integer)) or embed_dim < 1:
            raise ValueError(f"embed_dim must be an integer >= 1, got {embed_dim!r}")
        ke, km = jax.random.split(key)
        self.embedding = jax.random.normal(ke, (vocab_size, embed_dim), dtype)
        self.mlp = MLP((2 * embed_dim, *hidden, vocab_size), activation, key=km, dtype=dtype)

    def __call__(self, tokens: jax.Array) -> jax.Array:
        return self.mlp(self.embedding[tokens].reshape(-1))
