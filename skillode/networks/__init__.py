"""Networks trained in JAX on multi-skill tasks, in the shared trajectory format (arXiv:2501.12391 Figs. 2, 13, 16)."""

from .compare import (
    LearningTimeFit,
    compare_learning_times,
    fit_learning_times,
    fit_to_network,
    format_comparison,
    measured_learning_times,
    median_learning_times,
    rank_agreement,
    theory_learning_times,
)
from .mlp import ACTIVATIONS, MLP, BlockDiagonalMLP, EmbeddingMLP
from .sweep import TrainingSweep
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
from .train import NetworkTraining, mean_loss, self_weighted_loss, train, training_job

__all__ = [
    "ACTIVATIONS",
    "AbstractSkillTask",
    "Batch",
    "BlockDiagonalMLP",
    "EmbeddingMLP",
    "LearningTimeFit",
    "MLP",
    "ModularAddition",
    "MultitaskSparseParity",
    "NetworkTraining",
    "QuantizedSparseParity",
    "TrainingSweep",
    "TwoTaskRegression",
    "compare_learning_times",
    "compositional_parity",
    "domino_parity",
    "fit_learning_times",
    "fit_to_network",
    "format_comparison",
    "independent_4bit_parity",
    "integers_to_bits",
    "mean_loss",
    "measured_learning_times",
    "median_learning_times",
    "parity",
    "rank_agreement",
    "self_weighted_loss",
    "theory_learning_times",
    "train",
    "training_job",
]
