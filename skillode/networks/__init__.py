"""Networks trained in JAX on multi-skill tasks, logged in the shared trajectory format (PAPER §8)."""

from .mlp import ACTIVATIONS, MLP, BlockDiagonalMLP, EmbeddingMLP
from .tasks import (
    AbstractSkillTask,
    Batch,
    ModularAddition,
    MultitaskSparseParity,
    QuantizedSparseParity,
    TwoTaskRegression,
    compositional_parity,
    domino_parity,
    independent_4bit_parity,
    integers_to_bits,
    parity,
)
from .train import mean_loss, self_weighted_loss, train

__all__ = [
    "ACTIVATIONS",
    "AbstractSkillTask",
    "Batch",
    "BlockDiagonalMLP",
    "EmbeddingMLP",
    "MLP",
    "ModularAddition",
    "MultitaskSparseParity",
    "QuantizedSparseParity",
    "TwoTaskRegression",
    "compositional_parity",
    "domino_parity",
    "independent_4bit_parity",
    "integers_to_bits",
    "mean_loss",
    "parity",
    "self_weighted_loss",
    "train",
]
