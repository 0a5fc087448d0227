"""The interface every skill model shares (equinox's abstract/final pattern).

`AbstractSkillModel` is the root: skill frequencies ``p`` (shape ``(n,)``), ``n``, the parameters as ``attrs``
and a citation. Its subclasses are final classes that implement it once:

- `skillode.ResourceModel` and `skillode.DominoModel`: deterministic in time, so they share `AbstractTimeModel`:
  ``skill_levels(ts)`` (array ``(n, T)``), ``solve(ts)`` (the trajectory Dataset) and ``learning_times(threshold)``
  (one implementation, `skillode.timing.model_learning_times`, closed form where the model has one).

This module imports `skillode.timing` (never the reverse) and registers `AbstractTimeModel` with
`skillode.learning_times`, which dispatches on the type of its source.
- `skillode.GeometryModel`: stochastic; ``skill_levels(theta)`` for a parameter vector and ``simulate(...)`` for a
  run (`skillode.geometry`).
"""

from __future__ import annotations

import abc
from typing import ClassVar

import equinox as eqx
import jax
import xarray as xr

from .timing import learning_times as _learning_times
from .timing import model_learning_times

__all__ = ["AbstractSkillModel", "AbstractTimeModel", "PAPER_CITATION"]

PAPER_CITATION = (
    "Z. Liu, Y. Liu, E. J. Michaud, J. Gore, M. Tegmark, Physics of Skill Learning, arXiv:2501.12391 (2025)"
)


class AbstractSkillModel(eqx.Module):
    """A model of ``n`` skills with frequencies ``p`` (shape ``(n,)``)."""

    p: eqx.AbstractVar[jax.Array]

    citation: ClassVar[str] = PAPER_CITATION

    @property
    def n(self) -> int:
        """Number of skills."""
        return self.p.shape[-1]

    @abc.abstractmethod
    def attrs(self, **extra) -> dict:
        """The model's parameters as netCDF-safe ``attrs`` (plus ``extra``)."""


class AbstractTimeModel(AbstractSkillModel):
    """A skill model that is deterministic in time ``t`` (optimizer steps): skill levels are a function of ``t``."""

    @abc.abstractmethod
    def skill_levels(self, ts, *args, **kwargs) -> jax.Array:
        """Skill levels ``s_i(t)`` at times ``ts`` (shape ``(T,)``), shape ``(n, T)``."""

    @abc.abstractmethod
    def solve(self, ts, *args, **kwargs) -> xr.Dataset:
        """The trajectory Dataset at times ``ts`` (see `skillode.trajectory`)."""

    @abc.abstractmethod
    def has_closed_form_learning_times(self, threshold) -> bool:
        """Whether `closed_form_learning_times` applies to ``threshold`` (a `skillode.Threshold`); no array work."""

    @abc.abstractmethod
    def closed_form_learning_times(self, threshold) -> jax.Array:
        """Learning times ``(n,)`` from a closed form, where `has_closed_form_learning_times` says so.

        `skillode.timing.learning_times` uses it where it applies and otherwise solves the model.
        """

    @abc.abstractmethod
    def numeric_solver(self, solver=None):
        """The solver the numeric path of `learning_times` passes to `solve` (``None`` if the model takes none)."""

    @abc.abstractmethod
    def horizon(self, threshold) -> float:
        """A time by which every skill that will be learned has reached ``threshold`` (for numeric extraction)."""

    def learning_times(self, threshold=0.9, **kwargs) -> xr.DataArray:
        """Learning time of every skill, shape ``(n,)``: `skillode.learning_times` of this model
        (`skillode.timing.model_learning_times`; ``solver=``, ``method=``, ``t_max=`` as there)."""
        return model_learning_times(self, threshold, **kwargs)


_learning_times.register(AbstractTimeModel, model_learning_times)
