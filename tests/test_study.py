"""Studies: grown part by part, interrupted and resumed, read back as one Dataset (NaN where a part is missing),
parts keyed by the coordinates in their stores' attrs (never by file name), dry runs, and input errors.

Most tests use `Toy`, a plan that counts its blocks (so a test can say exactly what a run computed) and can be told
to fail; the others use tiny Resource and Geometry sweeps, whose study must equal the sweeps run one by one.
"""

import dataclasses
import shutil
import threading
import time

import numpy as np
import pytest
import xarray as xr

import skillode as sk
from skillode.sweeps import Part, Study, format_dry_run
from skillode.sweeps.grid import AbstractGridPlan, Grid

CALLS: list[tuple[float, tuple]] = []  # (plan's a, block index) of every block computed in this process
FAIL: set = set()  # (a, block index) of the blocks that raise; a = None: every block of every plan


@pytest.fixture(autouse=True)
def _clean():
    CALLS.clear()
    FAIL.clear()
    yield
    FAIL.clear()


@dataclasses.dataclass(frozen=True)
class Toy(AbstractGridPlan):
    """y(x, t) = a x + t and z(x) = a - x over 3 blocks of one x each."""

    a: float
    xs: tuple = (0.0, 1.0, 2.0)
    ts: tuple = (0.0, 10.0)
    interrupt: bool = False  # raise KeyboardInterrupt instead of RuntimeError
    delay: float = 0.0  # seconds per block: keeps two runs at once overlapping

    @property
    def grid(self):
        return Grid.build(("x",), ("x",), (len(self.xs),), (False,), 1)

    def variables(self):
        return {"y": (("t",), (len(self.ts),)), "z": ((), ())}

    def compute(self, index):
        if (self.a, index) in FAIL or None in FAIL:
            raise (KeyboardInterrupt if self.interrupt else RuntimeError)(f"block {index} of a = {self.a} fails")
        CALLS.append((self.a, index))
        time.sleep(self.delay)
        x = np.asarray(self.xs)[self.grid.region(index)[0]]
        return {"y": self.a * x[:, None] + np.asarray(self.ts)[None], "z": self.a - x}

    def dataset(self, data):
        return xr.Dataset({"y": (("x", "t"), data["y"]), "z": (("x",), data["z"])},
                          coords={"x": list(self.xs), "t": list(self.ts)}, attrs={"kind": "toy", "a": self.a})

    def spec(self):
        return {"toy": self.a, "xs": list(self.xs), "ts": list(self.ts)}


def toy_study(root, As=(1.0, 2.0), ks=("u",), **kwargs):
    return Study(root, [Part({"k": k, "a": a}, Toy(a, **kwargs)) for k in ks for a in As])


def expected_y(a):
    return a * np.array([0.0, 1.0, 2.0])[:, None] + np.array([0.0, 10.0])[None]


# ---------------------------------------------------------------------------------------------- growing a study
def test_a_study_grows_part_by_part_and_computes_only_new_parts(tmp_path):
    small = toy_study(tmp_path, As=(1.0, 2.0))
    assert small.missing() == ({"k": "u", "a": 1.0}, {"k": "u", "a": 2.0}) and small.done() == ()
    assert small.run(progress=False) == {"parts": 2, "parts_computed": 2, "blocks_computed": 6}
    assert len(CALLS) == 2 * 3  # two parts of three blocks
    ds = small.dataset()
    assert ds.y.dims == ("k", "a", "x", "t") and list(ds.a.values) == [1.0, 2.0]
    np.testing.assert_array_equal(ds.y.sel(k="u", a=2.0).values, expected_y(2.0))

    big = toy_study(tmp_path, As=(3.0, 1.0, 2.0), ks=("u", "v"))
    assert big.missing() == ({"k": "u", "a": 3.0}, {"k": "v", "a": 3.0}, {"k": "v", "a": 1.0},
                             {"k": "v", "a": 2.0})
    CALLS.clear()
    assert big.run(progress=False) == {"parts": 6, "parts_computed": 4, "blocks_computed": 12}
    assert sorted({a for a, _ in CALLS}) == [1.0, 2.0, 3.0] and len(CALLS) == 4 * 3  # only the four new parts
    ds = big.dataset()
    assert big.missing() == () and len(big.done()) == 6
    assert list(ds.a.values) == [1.0, 2.0, 3.0] and list(ds.k.values) == ["u", "v"]  # sorted coordinates
    for k in ("u", "v"):
        for a in (1.0, 2.0, 3.0):
            np.testing.assert_array_equal(ds.y.sel(k=k, a=a).values, expected_y(a))
    assert ds.attrs["parts_total"] == ds.attrs["parts_complete"] == 6
    assert ds.attrs["kind"] == "toy" and "a" not in ds.attrs  # attrs all parts share; differing ones left out
    CALLS.clear()
    assert big.run(progress=False)["parts_computed"] == 0 and CALLS == []  # nothing left to compute


# ---------------------------------------------------------------------------------------------- interruptions
@pytest.mark.parametrize("interrupt", [False, True])
def test_an_interrupted_study_resumes_and_equals_an_uninterrupted_one(tmp_path, interrupt):
    ref_study = toy_study(tmp_path / "ref", As=(1.0, 2.0, 3.0))
    ref_study.run(progress=False)
    reference = ref_study.dataset()
    CALLS.clear()
    study = toy_study(tmp_path / "s", As=(1.0, 2.0, 3.0), interrupt=interrupt)
    FAIL.add((2.0, (1,)))  # the second part dies at its second block
    with pytest.raises(KeyboardInterrupt if interrupt else RuntimeError, match="block"):
        study.run(progress=False)
    assert CALLS == [(1.0, (0,)), (1.0, (1,)), (1.0, (2,)), (2.0, (0,))]
    assert study.done() == ({"k": "u", "a": 1.0},)
    half = study.dataset()
    assert np.isnan(half.y.sel(a=2.0)).all()  # a part cut short is NaN as a whole
    assert half.part_store.sel(k="u", a=2.0).item() == "" and half.attrs["parts_complete"] == 1
    FAIL.clear()
    CALLS.clear()
    assert study.run(progress=False) == {"parts": 3, "parts_computed": 2, "blocks_computed": 5}
    assert CALLS == [(2.0, (1,)), (2.0, (2,)), (3.0, (0,)), (3.0, (1,)), (3.0, (2,))]  # only what was missing
    xr.testing.assert_identical(study.dataset(), reference)


def test_an_error_names_the_part_and_the_block(tmp_path):
    FAIL.add((2.0, (0,)))
    with pytest.raises(RuntimeError) as info:
        toy_study(tmp_path).run(progress=False)
    assert "in block (0,) of part {'k': 'u', 'a': 2.0}" in "\n".join(getattr(info.value, "__notes__", []))


# ---------------------------------------------------------------------------------------------- reading back
def test_one_dataset_with_nan_where_a_part_is_missing(tmp_path):
    Study(tmp_path, [Part({"k": k, "a": a}, Toy(a)) for k, a in (("u", 1.0), ("u", 2.0), ("v", 1.0))]).run(
        progress=False)
    full = toy_study(tmp_path, As=(1.0, 2.0), ks=("u", "v"))
    ds = full.dataset()
    assert ds.y.dims == ("k", "a", "x", "t") and ds.z.dims == ("k", "a", "x")
    assert np.isnan(ds.y.sel(k="v", a=2.0)).all() and np.isnan(ds.z.sel(k="v", a=2.0)).all()
    np.testing.assert_array_equal(ds.y.sel(k="v", a=1.0).values, expected_y(1.0))
    assert ds.part_store.sel(k="v", a=2.0).item() == "" and ds.part_store.sel(k="u", a=1.0).item().endswith(".zarr")
    assert ds.attrs["parts_complete"] == 3 and ds.attrs["parts_total"] == 4
    assert list(full.dataset(variables="z").data_vars) == ["z"]
    assert full.open_part({"k": "v", "a": 2.0}) is None
    one = full.open_part({"a": 1.0, "k": "v"})  # coordinates in any order
    np.testing.assert_array_equal(one.y.values, expected_y(1.0))

    # reading a folder without its parts: what it holds, narrowed by `where`
    held = Study.open(tmp_path, where={"k": "u"})
    assert held.y.dims == ("k", "a", "x", "t") and list(held.a.values) == [1.0, 2.0] and held.sizes["k"] == 1
    xr.testing.assert_identical(held.y, ds.y.sel(k=["u"]))
    everything = Study.open(tmp_path, variables=["y"])
    assert everything.attrs["parts_complete"] == 3 and np.isnan(everything.y.sel(k="v", a=2.0)).all()
    with pytest.raises(ValueError, match="no complete part"):
        Study.open(tmp_path, where={"k": "w"})


def test_parts_are_keyed_by_their_attrs_not_their_file_names(tmp_path):
    study = toy_study(tmp_path, As=(1.0, 2.0))
    study.run(progress=False)
    first, second = (study.path({"k": "u", "a": a}) for a in (1.0, 2.0))
    assert first.name == "k=u,a=1.0.zarr"  # readable names...
    # ...that are never parsed: swap the two stores' names, and move one into a subfolder
    first.rename(tmp_path / "tmp.zarr")
    (tmp_path / "deeper").mkdir()
    second.rename(tmp_path / "deeper" / first.name)
    (tmp_path / "tmp.zarr").rename(second)
    CALLS.clear()
    assert study.missing() == () and study.path({"k": "u", "a": 1.0}) == second
    assert study.run(progress=False)["parts_computed"] == 0 and CALLS == []
    ds = study.dataset()
    np.testing.assert_array_equal(ds.y.sel(a=1.0, k="u").values, expected_y(1.0))
    np.testing.assert_array_equal(ds.y.sel(a=2.0, k="u").values, expected_y(2.0))
    assert ds.part_store.sel(k="u", a=2.0).item() == f"deeper/{first.name}"
    # a new part whose name is taken by another part's store gets another name
    grown = toy_study(tmp_path, As=(1.0, 2.0, 3.0))
    grown.run(progress=False)
    assert CALLS == [(3.0, (0,)), (3.0, (1,)), (3.0, (2,))]
    # two stores of one part: an error naming both
    shutil.copytree(second, tmp_path / "copy.zarr")
    with pytest.raises(ValueError, match="two stores .* hold the part"):
        study.done()


def test_store_names_stay_readable_and_unique(tmp_path):
    study = Study(tmp_path, [Part({"name": s}, Toy(float(i))) for i, s in enumerate(("a/b", "a_b", "x y"))])
    names = [study.path({"name": s}).name for s in ("a/b", "a_b", "x y")]
    assert names[1] == "name=a_b.zarr" and len(set(names)) == 3
    assert all(n.startswith("name=a_b-") or n.startswith("name=x_y-") for n in (names[0], names[2]))


def test_parts_that_cannot_share_a_dataset_say_why(tmp_path):
    study = Study(tmp_path, [Part({"a": 1.0}, Toy(1.0)), Part({"a": 2.0}, Toy(2.0, ts=(0.0, 20.0)))])
    study.run(progress=False)
    assert len(study.done()) == 2
    with pytest.raises(ValueError, match="cannot share one Dataset: coordinate 't' has other values"):
        study.dataset()
    np.testing.assert_array_equal(study.open_part({"a": 2.0}).t.values, [0.0, 20.0])


def test_a_store_of_another_sweep_is_refused(tmp_path):
    toy_study(tmp_path, As=(1.0,)).run(progress=False)
    other = Study(tmp_path, [Part({"k": "u", "a": 1.0}, Toy(1.0, ts=(0.0, 5.0)))])
    for method in (other.missing, other.dataset, other.run):
        with pytest.raises(ValueError, match="holds a different sweep"):
            method()


# ---------------------------------------------------------------------------------------------- dry runs
def test_dry_run_probes_one_part_per_group_of_missing_parts(tmp_path):
    study = Study(tmp_path, [Part({"a": a, "seed": s}, Toy(a + s / 10)) for a in (1.0, 2.0) for s in (0, 1, 2)])
    Study(tmp_path, study.parts[:3]).run(progress=False)  # a = 1: done
    CALLS.clear()
    info = study.dry_run(workers=2, by=("a",))
    assert info["parts"] == 6 and info["parts_missing"] == 3 and info["programs"] == 1
    assert info["blocks"] == 18 and info["blocks_missing"] == 9 and info["runs"] == 18
    assert len(CALLS) == 2 and {a for a, _ in CALLS} == {2.0}  # one probe part (compile + one timed run)
    probe = info["probes"][0]
    assert probe["a"] == 2.0 and probe["parts"] == 3 and probe["blocks_missing"] == 9
    assert info["estimate_s"] == pytest.approx(probe["block_s"] * 9 / 2)
    assert study.dry_run(by="a")["programs"] == 1
    assert study.dry_run()["programs"] == 3  # by default every missing part is probed
    assert "study: 6 parts (3 to compute), 18 runs in 18 blocks (9 to compute)" in format_dry_run(info)
    study.run(progress=False)
    assert study.dry_run()["programs"] == 0 and study.dry_run()["estimate_s"] == 0.0


# ---------------------------------------------------------------------------------------------- real sweeps
def test_a_study_of_resource_sweeps_equals_the_sweeps_run_one_by_one(tmp_path):
    ts = np.linspace(0.0, 600.0, 7)

    def sweep(N0, loss_kind):
        return sk.Sweep(axes={"alpha": [1.2, 2.0], "eta": [0.01, 0.02]}, n=4, N0=N0, loss_kind=loss_kind)

    parts = [Part({"loss_kind": lk, "N0": N0}, sweep(N0, lk).plan(ts)) for lk in ("mse", "ce") for N0 in (0.0, 0.1)]
    Study(tmp_path, parts[:3]).run(progress=False)
    study = Study(tmp_path, parts)
    ds = study.dataset()
    assert np.isnan(ds.skill_level.sel(loss_kind="ce", N0=0.1)).all() and ds.attrs["parts_complete"] == 3
    assert study.run(progress=False)["parts_computed"] == 1
    ds = study.dataset()
    assert ds.skill_level.dims == ("loss_kind", "N0", "alpha", "eta", "skill", "t")
    for lk in ("mse", "ce"):
        for N0 in (0.0, 0.1):
            alone = sweep(N0, lk).run(ts, progress=False)
            np.testing.assert_array_equal(ds.skill_level.sel(loss_kind=lk, N0=N0).values, alone.skill_level.values)
    assert ds.attrs["model"] == "resource" and "N0" not in ds.attrs


def test_a_study_of_geometry_sweeps_keeps_the_record_times(tmp_path):
    def part(optimizer, N):
        sweep = sk.GeometrySweep(axes={"seed": [0, 1]}, n=4, N=N, batch_size=16, optimizer=optimizer,
                                 learning_rate=0.05, loss_kind="ce", task_vectors="random_unit")
        return Part({"optimizer": optimizer, "N": N}, sweep.plan(60, record_every=10, n_times=6))

    study = Study(tmp_path, [part("sgd", N) for N in (8, 16)])
    study.run(progress=False)
    ds = study.dataset()
    assert ds.loss.dims == ("optimizer", "N", "seed", "t") and ds.learning_time.dims[-1] == "skill"
    assert ds.N.dtype.kind == "i" and list(ds.N.values) == [8, 16]
    alone = part("sgd", 16).plan
    np.testing.assert_array_equal(ds.t.values, alone.summary.times)
    np.testing.assert_array_equal(ds.loss.sel(optimizer="sgd", N=16).values,
                                  sk.sweeps.execute(alone, progress=False).loss.values)


@pytest.mark.slow  # starts a LocalCluster of processes: 5 s on an idle 2-core machine, 40 s on a busy one
def test_a_study_on_a_dask_client_equals_the_study_in_process(tmp_path):
    from skillode.distributed import local_cluster

    ts = np.linspace(0.0, 600.0, 7)
    parts = [Part({"N0": N0}, sk.Sweep(axes={"alpha": [1.2, 2.0, 3.0]}, n=4, N0=N0, eta=0.01).plan(ts, block_size=1))
             for N0 in (0.0, 0.05, 0.1)]
    here, there = Study(tmp_path / "here", parts), Study(tmp_path / "there", parts)
    here.run(progress=False)
    with local_cluster(2, dashboard_address=None) as client:
        assert there.run(client=client, progress=False, max_in_flight=4)["blocks_computed"] == 9
    ref, got = here.dataset(), there.dataset()
    np.testing.assert_array_equal(got.skill_level.values, ref.skill_level.values)


def test_two_runs_at_once_compute_each_part_once(tmp_path):
    """Two processes (a report's examples) run studies that share parts over one folder at the same time, in
    opposite orders: each part is computed by one of them (a lock per part), the other waits and reads it, and
    neither waits for the other while holding a part (no deadlock)."""
    parts = [Part({"k": "u", "a": a}, Toy(a, delay=0.05)) for a in (1.0, 2.0, 3.0)]
    first, second = Study(tmp_path, parts), Study(tmp_path, parts[::-1])
    CALLS.clear()
    got, errors = [], []

    def run(study):
        try:
            got.append(study.run(progress=False))
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(s,)) for s in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads) and not errors, errors
    assert sorted(CALLS) == sorted({(a, (i,)) for a in (1.0, 2.0, 3.0) for i in range(3)})  # each block once
    assert sum(r["blocks_computed"] for r in got) == 9
    for a in (1.0, 2.0, 3.0):
        np.testing.assert_array_equal(first.dataset().y.sel(k="u", a=a).values, expected_y(a))


_RELEASE = threading.Event()  # a module global: the in-process worker's task waits on it by reference


def _hold_the_worker():
    return _RELEASE.wait(300)


def test_reading_a_study_needs_no_worker_of_the_default_client(tmp_path):
    """A report's examples read their stores while its Dask cluster (the default client) trains other parts:
    reading must not queue behind those blocks. The only worker is held busy; the read still returns."""
    from distributed import Client, LocalCluster

    ts = np.linspace(0.0, 600.0, 7)
    study = Study(tmp_path, [Part({"N0": 0.1}, sk.Sweep(axes={"alpha": [1.5, 2.0]}, n=3, N0=0.1, eta=0.01).plan(ts))])
    study.run(progress=False)
    _RELEASE.clear()
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        busy = client.submit(_hold_the_worker, pure=False)  # the worker's one thread, taken
        got = {}
        reader = threading.Thread(target=lambda: got.update(ds=study.dataset()))
        reader.start()
        reader.join(timeout=120)
        _RELEASE.set()
        busy.result()
    assert not reader.is_alive(), "the read waited for the busy worker"
    assert got["ds"].skill_level.notnull().all()


# ---------------------------------------------------------------------------------------------- bad inputs
def test_bad_inputs_name_the_parameter(tmp_path):
    plan = Toy(1.0)
    for coords, match in (([("a", 1)], "mapping"), ({}, "non-empty"), ({"1a": 1}, "identifier"),
                          ({"a": [1, 2]}, "coordinate 'a' must be a str"), ({"a": float("nan")}, "finite"),
                          ({"part_store": 1}, "reserved")):
        with pytest.raises(ValueError, match=match):
            Part(coords, plan)
    with pytest.raises(TypeError, match="Part plan"):
        Part({"a": 1}, sk.Sweep(axes={"N0": [0.0]}, n=3, eta=0.01))
    with pytest.raises(TypeError, match="root"):
        Study(None, [Part({"a": 1}, plan)])
    with pytest.raises(ValueError, match="root must be a folder"):
        Study(tmp_path / "s.zarr", [Part({"a": 1}, plan)])
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="root must be a folder"):
        Study(tmp_path / "file", [Part({"a": 1}, plan)])
    with pytest.raises(ValueError, match="parts is empty"):
        Study(tmp_path, [])
    with pytest.raises(TypeError, match=r"parts\[1\]"):
        Study(tmp_path, [Part({"a": 1}, plan), plan])
    with pytest.raises(ValueError, match="every part needs the coordinates"):
        Study(tmp_path, [Part({"a": 1}, plan), Part({"b": 2}, Toy(2.0))])
    with pytest.raises(ValueError, match="two parts have the coordinates"):
        Study(tmp_path, [Part({"a": 1}, plan), Part({"a": 1.0}, Toy(2.0))])
    with pytest.raises(ValueError, match="mixes number and str"):
        Study(tmp_path, [Part({"a": 1}, plan), Part({"a": "1"}, Toy(2.0))])
    with pytest.raises(ValueError, match=r"coordinates \['x'\] are also dims"):
        Study(tmp_path, [Part({"x": 1}, plan)])
    study = Study(tmp_path, [(({"a": 1}), plan)])  # a (coords, plan) pair is a Part
    with pytest.raises(ValueError, match="not the coordinates of a part"):
        study.open_part({"a": 2})
    with pytest.raises(ValueError, match="by names"):
        study.dry_run(by=("b",))
    with pytest.raises(ValueError, match="workers"):
        study.dry_run(workers=0)
    with pytest.raises(ValueError, match="max_in_flight"):
        study.run(max_in_flight=0)
    with pytest.raises(ValueError, match="variables"):
        study.dataset(variables=["w"])
    with pytest.raises(ValueError, match="where must be a mapping"):
        Study.open(tmp_path, where=[("a", 1)])
    with pytest.raises(ValueError, match="is not a folder"):
        Study.open(tmp_path / "nowhere")
