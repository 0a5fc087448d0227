"""Networks trained in JAX on multi-skill tasks, logged in the shared trajectory format (PAPER §8)."""

from .compare import compare_learning_times, fit_to_network, format_comparison, rank_agreement, theory_learning_times
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
    "compare_learning_times",
    "compositional_parity",
    "domino_parity",
    "fit_to_network",
    "format_comparison",
    "independent_4bit_parity",
    "integers_to_bits",
    "mean_loss",
    "parity",
    "rank_agreement",
    "self_weighted_loss",
    "theory_learning_times",
    "train",
]
