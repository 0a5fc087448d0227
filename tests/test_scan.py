"""The scan engine: chunk-size independence, chunks recomputed alone, vmap against a loop, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import skillode as sk
from skillode import _scan
from skillode._scan import AbstractJob, Schedule


class NoisyDecay(AbstractJob):
    """``x_{i+1} = (1 - rate) x_i + sigma xi_i``, ``xi_i ~ N(0, I)`` drawn from ``fold_in(key, i)``; observes ``i``."""

    rate: jax.Array
    sigma: jax.Array

    def init(self, key):
        return {"x": jnp.ones(3), "key": key, "steps": jnp.zeros((), jnp.int32)}

    def step(self, state, i):
        xi = jax.random.normal(jax.random.fold_in(state["key"], i), (3,))
        new = {"x": (1 - self.rate) * state["x"] + self.sigma * xi, "key": state["key"], "steps": state["steps"] + 1}
        return new, {"i": i.astype(float)}

    def measure(self, state):
        return {"x": state["x"], "norm": jnp.linalg.norm(state["x"]), "steps": state["steps"]}


def _job(rate=0.1, sigma=0.05):
    return NoisyDecay(rate=jnp.asarray(rate), sigma=jnp.asarray(sigma))


def _schedule(chunk=None, steps=24, record_every=2):
    return Schedule(steps=steps, record_every=record_every, chunk=chunk)


KEY = jax.random.key(0)


def _run(job, schedule, key=KEY, **kw):
    return _scan.run(job, schedule, _scan.init(job, key, **kw), **kw)


def test_records_follow_the_schedule():
    job, sched = _job(), _schedule(chunk=5)
    _, rec = _run(job, sched)
    assert rec["x"].shape == (12, 3) and rec["norm"].shape == (12,)
    np.testing.assert_array_equal(rec["steps"], np.arange(2, 25, 2))  # record r after r * record_every steps
    # the observed step index is averaged over the steps since the previous record: (t - 2 + t - 1) / 2
    np.testing.assert_array_equal(rec["i"], np.arange(2, 25, 2) - 1.5)
    assert sched.n_chunks == 3 and [sched.chunk_length(k) for k in range(3)] == [5, 5, 2]
    _, with_t0 = _scan.run(job, sched, _scan.init(job, KEY), initial=True)
    assert with_t0["x"].shape == (13, 3) and np.isnan(with_t0["i"][0])
    np.testing.assert_array_equal(with_t0["x"][0], np.ones(3))
    np.testing.assert_array_equal(with_t0["x"][1:], rec["x"])


def test_deterministic_decay_matches_closed_form():
    _, rec = _run(_job(sigma=0.0), _schedule(chunk=4))
    t = np.arange(2, 25, 2)
    np.testing.assert_allclose(rec["x"], np.broadcast_to((0.9**t)[:, None], (12, 3)), rtol=1e-12)


@pytest.mark.parametrize("chunk", [1, 3, 5, 7, 12, 100])
def test_numbers_do_not_depend_on_the_chunk_size(chunk):
    _, whole = _run(_job(), _schedule())
    state, cut = _run(_job(), _schedule(chunk=chunk))
    for name in whole:
        np.testing.assert_array_equal(cut[name], whole[name])
    assert int(state["steps"]) == 24


def test_chunk_recomputed_alone_equals_the_full_runs_chunk():
    job, sched = _job(), _schedule(chunk=5)
    _, full = _run(job, sched)
    starts = [_scan.init(job, KEY)]
    for k in range(sched.n_chunks - 1):
        starts.append(_scan.run_chunk(job, sched, starts[-1], k)[0])
    for k in reversed(range(sched.n_chunks)):  # any order, each from its own start state alone
        _, rec = _scan.run_chunk(job, sched, starts[k], k)
        for name in full:
            np.testing.assert_array_equal(rec[name], full[name][5 * k : 5 * k + sched.chunk_length(k)])


def test_a_longer_run_starts_with_the_shorter_one():
    _, short = _run(_job(), _schedule(chunk=5))
    _, long = _run(_job(), _schedule(chunk=5, steps=40))
    np.testing.assert_array_equal(long["x"][:12], short["x"])


def test_geometry_chunk_recomputed_alone():
    model = sk.GeometryModel.sample(jax.random.key(3), p=sk.zipf(3, 1.0), N=20, batch_size=8, noise=0.01)
    job = sk.geometry.GeometrySimulation(model=model, optimizer=sk.make_optimizer("sgd", 1e-2))
    sched = Schedule(steps=30, record_every=3, chunk=4)
    _, full = _run(job, sched)
    state, _ = _scan.run_chunk(job, sched, _scan.init(job, KEY), 0)
    _, again = _scan.run_chunk(job, sched, jax.tree.map(jnp.copy, state), 1)
    assert set(again) == {"skill_level", "skill_loss", "loss", "n_aligned"}
    for name in full:
        np.testing.assert_array_equal(again[name], full[name][4:8])


def test_vmap_over_seeds_equals_a_loop():
    job, sched = _job(), _schedule(chunk=5)
    keys = jnp.stack([jax.random.key(s) for s in (4, 9, 1)])
    state, many = _run(job, sched, keys, batch=(False,))
    assert many["x"].shape == (3, 12, 3) and state["steps"].shape == (3,)
    for j in range(3):
        _, one = _run(job, sched, keys[j])
        for name in one:
            np.testing.assert_allclose(many[name][j], one[name], rtol=1e-14, atol=1e-15)


def test_vmap_over_jobs_and_seeds_equals_a_loop():
    rates, sigmas, seeds = [0.05, 0.1], [0.0, 0.1], [4, 9, 1]
    sched = _schedule(chunk=5)
    keys = jnp.stack([jnp.stack([jax.random.key(s) for s in seeds])] * len(rates))
    _, many = _run(_job(rate=jnp.asarray(rates), sigma=jnp.asarray(sigmas)), sched, keys, batch=(True, False))
    assert many["norm"].shape == (2, 3, 12)
    for i, (rate, sigma) in enumerate(zip(rates, sigmas)):
        for j, s in enumerate(seeds):
            _, one = _run(_job(rate=rate, sigma=sigma), sched, jax.random.key(s))
            np.testing.assert_allclose(many["x"][i, j], one["x"], rtol=1e-14, atol=1e-15)


def test_progress_bar_runs():
    _, rec = _scan.run(_job(), _schedule(chunk=5), _scan.init(_job(), KEY), progress=True, desc="test")
    assert rec["x"].shape == (12, 3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(steps=0), "steps"),
        (dict(steps=2.0), "steps"),
        (dict(steps=10, record_every=3), "multiple of record_every"),
        (dict(steps=10, record_every=0), "record_every"),
        (dict(steps=10, chunk=0), "chunk"),
        (dict(steps=10, chunk=True), "chunk"),
    ],
)
def test_bad_schedule(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Schedule(**kwargs)


def test_bad_arguments():
    job, sched = _job(), _schedule(chunk=5)
    state = _scan.init(job, KEY)
    with pytest.raises(ValueError, match="k \\(chunk index\\)"):
        _scan.run_chunk(job, sched, state, 3)
    with pytest.raises(ValueError, match="k \\(chunk index\\)"):
        _scan.run_chunk(job, sched, state, -1)
    with pytest.raises(ValueError, match="batch"):
        _scan.run_chunk(job, sched, state, 0, batch=[False])
    with pytest.raises(ValueError, match="state"):
        _scan.run_chunk(job, sched, state, 0, batch=(False,))
    with pytest.raises(ValueError, match="schedule"):
        _scan.run_chunk(job, 24, state, 0)
    with pytest.raises(ValueError, match="key"):
        _scan.init(job, KEY, batch=(False,))
    with pytest.raises(ValueError, match="job"):
        _scan.init("not a job", KEY)
