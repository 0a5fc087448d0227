r"""One engine for every simulation in skillode: a ``lax.scan`` over steps, cut into jit-compiled chunks.

A *job* (`AbstractJob`) is a small immutable `equinox.Module` that says what one run does:

- ``init(key) -> state``: the state at step 0, drawn from an explicit ``jax.random`` key;
- ``step(state, i) -> (state, observed)``: optimizer step ``i = 0, 1, …`` (a traced integer; fold it into a key
  with ``jax.random.fold_in(key, i)`` or carry a key in the state — either way the numbers depend on the step,
  never on how the run is cut into chunks). ``observed`` is a dict (often empty) of per-step quantities that each
  record averages over the steps since the previous record;
- ``measure(state) -> dict[str, Array]``: what is recorded of the state.

A `Schedule` says how long the run is and how it is cut: ``steps`` optimizer steps, a record every
``record_every`` steps (records ``r = 1..R`` at ``t_r = r * record_every``, ``R = steps / record_every``), ``chunk``
records per compiled scan. Record ``r`` and chunk ``k`` are

$$
\mathrm{record}_r = \mathrm{measure}(s_{t_r}) \cup \frac{1}{\mathrm{record\_every}}
    \sum_{i = t_{r-1}}^{t_r - 1} \mathrm{observed}_i, \qquad
\mathrm{chunk}_k = (\mathrm{record}_r)_{r = k\,\mathrm{chunk} + 1}^{\min((k + 1)\,\mathrm{chunk},\, R)},
$$

so `run_chunk` ``(job, schedule, state, k)`` is a pure function of the job, the schedule, the state at the start of
chunk ``k`` and ``k``: a chunk can be recomputed alone (or on another machine) and gives the numbers of a full run.
The compiled chunk depends on ``record_every`` and the chunk's length, not on ``steps``, so runs of any length
share it.

Batches of runs are vmapped by the engine: ``batch`` is a tuple with one entry per leading batch axis of the state
(outermost first), ``True`` where the job's arrays carry that axis too (one model per sweep point) and ``False``
where one job is shared by every run along it (seeds of one model). A sweep over models and seeds is
``batch=(True, False)``; `skillode.simulate_many` is exactly that.

`run` is the host-side driver: it loops over the chunks, shows a tqdm bar that counts optimizer steps, and
concatenates the records along the time axis (the first axis after the batch axes).

Examples:
    >>> class Decay(AbstractJob):   # x <- (1 - rate) x
    ...     rate: jax.Array
    ...     def init(self, key): return jnp.ones(())
    ...     def step(self, state, i): return (1 - self.rate) * state, {}
    ...     def measure(self, state): return {"x": state}
    >>> job = Decay(rate=jnp.asarray(0.1))
    >>> _, rec = run(job, Schedule(steps=20, record_every=5, chunk=3), init(job, jax.random.key(0)))
    >>> rec["x"].shape
    (4,)
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._shard import over_devices
from ._validate import check_int

__all__ = ["AbstractJob", "Schedule", "init", "run", "run_chunk"]


class Schedule(eqx.Module):
    """When a run records and how it is cut into compiled chunks.

    **Fields** (keyword-only):

    - `steps`: optimizer steps, an integer ``>= 1`` and a multiple of `record_every`.
    - `record_every`: steps between records, ``>= 1``; records at ``t = record_every, 2 record_every, …, steps``.
    - `chunk`: records per compiled ``lax.scan``, ``>= 1`` (default ``None``: all of them in one chunk). It
      bounds memory and sets how often the progress bar moves; it never changes the numbers.
    """

    steps: int
    record_every: int = 1
    chunk: int | None = None

    def __init__(self, *, steps: int, record_every: int = 1, chunk: int | None = None):
        self.steps = check_int(steps, "steps")
        self.record_every = check_int(record_every, "record_every")
        self.chunk = None if chunk is None else check_int(chunk, "chunk (records per compiled scan)")

    def __check_init__(self):
        if self.steps % self.record_every:
            raise ValueError(f"steps ({self.steps}) must be a multiple of record_every ({self.record_every})")

    @property
    def n_records(self) -> int:
        """``R = steps / record_every``."""
        return self.steps // self.record_every

    @property
    def records_per_chunk(self) -> int:
        """Records per chunk: `chunk`, or ``R`` when it is ``None`` or larger."""
        return self.n_records if self.chunk is None else min(self.chunk, self.n_records)

    @property
    def n_chunks(self) -> int:
        """Number of chunks, ``ceil(R / chunk)``."""
        return math.ceil(self.n_records / self.records_per_chunk)

    def chunk_length(self, k: int) -> int:
        """Records in chunk ``k`` (all chunks hold `chunk` records except possibly the last)."""
        k = check_int(k, "k (chunk index)", 0, self.n_chunks - 1)
        return min(self.records_per_chunk, self.n_records - k * self.records_per_chunk)


class AbstractJob(eqx.Module):
    """One run of a simulation as `init` / `step` / `measure` (see the module docstring).

    Subclasses implement the three methods as pure functions of their arguments and the job's fields, so that
    they jit and vmap.
    """

    @abc.abstractmethod
    def init(self, key: jax.Array):
        """The state at step 0 (any pytree of arrays)."""

    @abc.abstractmethod
    def step(self, state, i: jax.Array) -> tuple[object, dict[str, jax.Array]]:
        """``(state after optimizer step i, observed)``; ``i`` is a scalar integer counted from 0 over the run.

        ``observed`` (``name -> array``, may be empty) is averaged over the steps between two records.
        """

    @abc.abstractmethod
    def measure(self, state) -> dict[str, jax.Array]:
        """The quantities recorded of ``state``, ``name -> array``."""


def _check_batch(batch) -> tuple[bool, ...]:
    if not isinstance(batch, tuple) or not all(isinstance(b, bool) for b in batch):
        raise ValueError(
            f"batch must be a tuple of bools, one per leading batch axis (True where the job has that axis too), "
            f"got {batch!r}"
        )
    return batch


def _vmap(fn: Callable, batch: tuple[bool, ...]) -> Callable:
    """``fn(job, x, *static)`` vmapped over the batch axes of ``x`` (and of ``job`` where ``batch`` says so)."""
    for job_axis in reversed(batch):
        fn = eqx.filter_vmap(fn, in_axes=(eqx.if_array(0) if job_axis else None, eqx.if_array(0)))
    return fn


def _check_lead(x, batch: tuple[bool, ...], name: str) -> None:
    lead = {np.shape(leaf)[: len(batch)] for leaf in jax.tree.leaves(x)}
    if len(lead) > 1 or any(len(s) != len(batch) for s in lead):
        raise ValueError(f"{name} must have {len(batch)} common leading batch axes (batch={batch}), got {lead}")


def _sharded(fn: Callable, batch: tuple[bool, ...], n_args: int) -> Callable:
    """``fn(job, x, *rest)`` with the outermost batch axis split over the local devices (`skillode._shard`)."""
    if not batch:
        return fn
    return over_devices(fn, (batch[0], True, *([False] * (n_args - 2))))


@eqx.filter_jit
def _init(job: AbstractJob, key, batch: tuple[bool, ...]):
    return _sharded(_vmap(lambda j, k: j.init(k), batch), batch, 2)(job, key)


def init(job: AbstractJob, key, *, batch: tuple[bool, ...] = ()):
    """The initial state(s) ``job.init(key)``; ``key`` has the batch shape (one key per run)."""
    batch = _check_batch(batch)
    if not isinstance(job, AbstractJob):
        raise ValueError(f"job must be an AbstractJob, got {type(job).__name__}")
    if len(jnp.shape(key)) != len(batch):
        raise ValueError(f"key must have one key per run, shape of {len(batch)} batch axes, got {jnp.shape(key)}")
    return _init(job, key, batch)


def _observed_shapes(job: AbstractJob, state) -> dict:
    return jax.eval_shape(lambda s: job.step(s, jnp.zeros((), int))[1], state)


def _records(job: AbstractJob, state, first_record: jax.Array, record_every: int, length: int):
    """``length`` records from record index ``first_record`` (0-based) on; see the module docstring."""

    def record(state, r):
        def step(carry, j):
            state, total = carry
            state, observed = job.step(state, r * record_every + j)
            return (state, jax.tree.map(jnp.add, total, observed)), None

        zeros = jax.tree.map(lambda a: jnp.zeros(a.shape, a.dtype), _observed_shapes(job, state))
        (state, total), _ = jax.lax.scan(step, (state, zeros), jnp.arange(record_every))
        return state, {**job.measure(state), **jax.tree.map(lambda a: a / record_every, total)}

    return jax.lax.scan(record, state, first_record + jnp.arange(length))


@eqx.filter_jit
def _run_records(job: AbstractJob, state, first_record: jax.Array, record_every: int, length: int, batch):
    # first_record is traced: every chunk of one length reuses one executable, whatever the run's total length.
    def chunk(job, state, first_record):
        return _vmap(lambda j, s: _records(j, s, first_record, record_every, length), batch)(job, state)

    return _sharded(chunk, batch, 3)(job, state, first_record)


def run_chunk(job: AbstractJob, schedule: Schedule, state, k: int, *, batch: tuple[bool, ...] = ()):
    """Advance ``state`` (the state at the start of chunk ``k``) through chunk ``k``; pure and jit-compiled.

    **Arguments:**

    - `job`: an `AbstractJob`.
    - `schedule`: the run's `Schedule`.
    - `state`: the state after ``k * chunk * record_every`` steps (`init` for ``k = 0``).
    - `k`: chunk index in ``[0, schedule.n_chunks)``.
    - `batch`: the batch axes (see the module docstring).

    **Returns:** ``(state, records)``: the state at the end of the chunk and ``name -> array`` of shape
    ``(*batch_shape, L_k, ...)`` with ``L_k = schedule.chunk_length(k)`` records.
    """
    batch = _check_batch(batch)
    if not isinstance(schedule, Schedule):
        raise ValueError(f"schedule must be a Schedule, got {type(schedule).__name__}")
    length = schedule.chunk_length(k)
    _check_lead(state, batch, "state")
    first = jnp.asarray(k * schedule.records_per_chunk)
    return _run_records(job, state, first, schedule.record_every, length, batch)


def _at_t0(job: AbstractJob, state) -> dict:
    nans = jax.tree.map(lambda a: jnp.full(a.shape, jnp.nan, jnp.result_type(a.dtype, float)),
                        _observed_shapes(job, state))
    return {**job.measure(state), **nans}


@eqx.filter_jit
def _initial_records(job: AbstractJob, state, batch: tuple[bool, ...]) -> dict:
    """``measure(state)`` and NaN for the averages (no step precedes t = 0)."""
    return _vmap(_at_t0, batch)(job, state)


def run(
    job: AbstractJob,
    schedule: Schedule,
    state,
    *,
    batch: tuple[bool, ...] = (),
    initial: bool = False,
    progress: bool = False,
    desc: str | None = None,
):
    """Run every chunk of ``job`` from ``state`` on the host; concatenate the records.

    **Arguments:**

    - `job`, `schedule`, `state`, `batch`: as in `run_chunk` (``state`` at step 0).
    - `initial`: also record ``measure(state)`` at ``t = 0`` (the averages of ``observed`` are NaN there).
    - `progress`: show a tqdm bar counting optimizer steps (``desc`` labels it).

    **Returns:** ``(state, records)``: the final state and ``name -> NumPy array`` of shape
    ``(*batch_shape, R, ...)`` (``R + 1`` records with `initial`), times ``t = record_every, …, steps``.
    """
    batch = _check_batch(batch)
    chunks = []
    if initial:
        at_t0 = jax.device_get(_initial_records(job, state, batch))
        chunks.append(jax.tree.map(lambda a: np.expand_dims(a, len(batch)), at_t0))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=schedule.steps, desc=desc, unit="step")
    for k in range(schedule.n_chunks):
        state, records = run_chunk(job, schedule, state, k, batch=batch)
        chunks.append(jax.device_get(records))
        if bar is not None:
            bar.update(schedule.chunk_length(k) * schedule.record_every)
    if bar is not None:
        bar.close()
    return state, jax.tree.map(lambda *xs: np.concatenate(xs, axis=len(batch)), *chunks)
