"""Bad input gets a clear error that names the parameter (or file, or block) and the rule: nothing silent, nothing
raised from deep inside a library, no generic wording.

The test marked ``standard_dtype_promotion`` trains a network, which the tasks' metrics do under JAX's standard
promotion only (they multiply float64 by boolean masks), as in ``test_networks_train.py``."""

import shutil
import traceback
import warnings
from functools import partial

import jax
import numpy as np
import pytest
import xarray as xr

import skillode as sk
from skillode.cli import main
from skillode.sweeps import Study, open_store
from skillode.trajectory import validate_trajectory

P2 = [0.6, 0.4]
TS = [0.0, 100.0, 200.0]


def _shallow(err: BaseException, frames: int = 10) -> None:
    """The error was raised by skillode itself, near the call, with no library traceback chained to it."""
    assert len(traceback.extract_tb(err.__traceback__)) <= frames
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)


# ------------------------------------------------------------------------------------------------ Resource model
@pytest.mark.parametrize("solver", [None, sk.Exact(), sk.Diffrax(), sk.Scipy(), sk.DiscreteMap()])
@pytest.mark.parametrize(("C", "rule"), [
    ([[1.0, 2.0], [2.0, 1.0]], r"positive semi-definite .*smallest eigenvalue is -1"),
    ([[1.0, 0.5], [0.0, 1.0]], r"symmetric .*C\[0, 1\] = 0.5 and C\[1, 0\] = 0"),
    ([[1e-12, 2e-12], [2e-12, 1e-12]], r"positive semi-definite"),  # the tolerance is relative to C's size
])
def test_a_C_that_is_not_a_gram_matrix_is_refused_for_every_solver(C, rule, solver):
    with pytest.raises(ValueError, match=r"C \(task-overlap matrix\) must be " + rule):
        sk.ResourceModel(p=P2, eta=0.02, N0=0.01, C=C).solve(TS, solver)


def test_a_gram_matrix_at_round_off_and_a_singular_one_are_accepted():
    T = np.array([[1.0, 0.0], [1.0, 0.0]])  # C = T T^T singular (rank 1), PSD
    assert sk.ResourceModel(p=P2, eta=0.02, C=T @ T.T + 1e-17 * np.array([[0, 1], [-1, 0]])).C is not None
    assert sk.ResourceModel(p=P2, eta=0.02, C=np.zeros((2, 2))).C is not None


def test_a_negative_mse_initial_deficit_is_refused_but_a_negative_ce_logit_is_not():
    with pytest.raises(ValueError, match=r"l0 .* must be >= 0 in every entry, got l0\[1\] = -0.5"):
        sk.ResourceModel(p=P2, eta=0.02, l0=[1.0, -0.5])
    assert sk.ResourceModel(p=P2, eta=0.02, l0=[-1.0, 0.5], loss_kind="ce").l0.shape == (2,)


@pytest.mark.parametrize(("ts", "message"), [
    ([0.0, np.nan, 2.0], r"ts \(times\) must be finite, but entry 1 is nan"),
    ([-1.0, 1.0], r"ts \(times\) must be >= 0, but entry 0 is negative"),
    ([0.0, 2.0, 1.0], r"must be non-decreasing, but they decrease at index 2 \(2 then 1\)"),
    ([[0.0, 1.0]], r"non-empty 1-D array of times, got shape \(1, 2\)"),
    (["a"], r"ts \(times\) must be numeric"),
])
@pytest.mark.parametrize("model", [sk.ResourceModel(p=P2, eta=0.02, N0=0.01), sk.DominoModel(t0=10.0, n=2)])
def test_times_say_which_rule_failed_and_where(model, ts, message):
    with pytest.raises(ValueError, match=message):
        model.skill_levels(ts)
    with pytest.raises(ValueError, match=message):
        model.solve(ts)


@pytest.mark.parametrize("model", [sk.ResourceModel(p=P2, eta=0.02, N0=0.01), sk.DominoModel(t0=10.0, n=2)])
def test_solve_refuses_repeated_times_up_front_states_accepts_them(model):
    with pytest.raises(ValueError, match="strictly increasing .*the time 1 is repeated at index 2"):
        model.solve([0.0, 1.0, 1.0])
    assert model.skill_levels([0.0, 1.0, 1.0]).shape == (2, 3)


def test_a_sweep_names_the_failing_time_rule():
    sweep = sk.Sweep(axes={"N0": [0.01, 0.1]}, n=2, eta=0.02)
    with pytest.raises(ValueError, match="repeated at index 2"):
        sweep.run([0.0, 1.0, 1.0], progress=False)
    with pytest.raises(ValueError, match="entry 0 is negative"):
        sweep.run([-1.0, 1.0], progress=False)


@pytest.mark.parametrize("run", ["model", "sweep"])
def test_diffrax_out_of_steps_raises_one_paragraph_naming_max_steps(run):
    solver = sk.Diffrax(max_steps=3)
    with pytest.raises(RuntimeError, match=r"Diffrax\(max_steps=3.*max_steps = 3 steps.*Diffrax\(max_steps=30\)") as e:
        if run == "model":
            sk.ResourceModel(p=sk.zipf(5), eta=0.01, N0=1e-6).solve(np.linspace(0, 1e4, 5), solver)
        else:
            sk.Sweep(axes={"N0": [1e-6, 1e-5]}, n=5, eta=0.01).run(np.linspace(0, 1e4, 5), solver, progress=False)
    assert "\n" not in str(e.value) and "Equinox" not in str(e.value)
    _shallow(e.value, frames=12)


def test_fixed_sweep_values_are_blamed_on_themselves_not_on_an_axis():
    with pytest.raises(ValueError, match="fixed parameters: C .*positive semi-definite"):
        sk.Sweep(axes={"N0": [0.0, 0.1]}, p=P2, eta=0.02, C=[[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="axis 'C'.*positive semi-definite"):
        sk.Sweep(axes={"C": [np.eye(2), [[1.0, 2.0], [2.0, 1.0]]]}, p=P2, eta=0.02)
    with pytest.raises(ValueError, match="axis 'l0', value number 1: l0 .* >= 0"):
        sk.Sweep(axes={"l0": [[1.0, 1.0], [-1.0, 1.0]]}, p=P2, eta=0.02)


@pytest.mark.parametrize(("axes", "message"), [
    ({1: [0.1, 0.2]}, r"unknown sweep axis '1'; axes must be among \('N0'"),
    ({"N0": "0.1,0.2"}, r"axis 'N0': values must be .* of scalars, got \['0.1,0.2'\] \(not numbers of one shape\)"),
])
def test_bad_sweep_axes(axes, message):
    with pytest.raises(ValueError, match=message):
        sk.Sweep(axes=axes, n=2, eta=0.02)


# ------------------------------------------------------------------------------------------------ trajectories
@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(t=[0.0, 1.0, 2.0]), r"t must have shape \(T,\) with T = 2 .* got shape \(3,\)"),
    (dict(p=[0.5, 0.3, 0.2]), r"p must have shape \(n,\), n = skill_level.shape\[-2\] = \(2,\), got shape \(3,\)"),
    (dict(loss=np.zeros(3)), r"loss must have shape \(\*sweep, T\) = \(2,\), got shape \(3,\)"),
    (dict(skill_loss=np.zeros((3, 2))), r"skill_loss must have shape \(\*sweep, n, T\), as skill_level = \(2, 2\)"),
    (dict(skill_name=["a"]), r"skill_name must have shape \(n,\)"),
    (dict(extra={"acc": (("skill", "t"), np.zeros((3, 2)))}),
     r"extra variable 'acc' .* shape \(2, 2\), got .*\(3, 2\)"),
    (dict(t=[1.0, 0.0]), r"'t' must be strictly increasing, but t\[1\] = 0 follows t\[0\] = 1"),
])
def test_make_trajectory_names_the_argument_and_the_shapes(kwargs, message):
    args = {"t": [0.0, 1.0], **kwargs}
    with pytest.raises(ValueError, match=message) as e:
        sk.make_trajectory(args.pop("t"), np.zeros((2, 2)), **args)
    _shallow(e.value)


def test_make_trajectory_names_a_sweep_axis_of_the_wrong_length():
    with pytest.raises(ValueError, match=r"sweep axis 'N0' must have 3 values"):
        sk.make_trajectory([0.0, 1.0], np.zeros((3, 2, 2)), sweep={"N0": [0.1, 0.2]})


def test_load_names_the_file_it_cannot_read(tmp_path):
    import zarr

    text = tmp_path / "notes.nc"
    text.write_text("not netCDF")
    raw = tmp_path / "raw.zarr"
    zarr.open_group(str(raw), mode="w").create_array("a", shape=(3,), dtype="f8")
    plain = tmp_path / "plain.zarr"
    xr.Dataset({"a": ("x", [1.0, 2.0])}).to_zarr(plain, consolidated=False)
    for path, message in ((text, "cannot read .*notes.nc as a skillode trajectory"),
                          (raw, "cannot read .*raw.zarr as a skillode trajectory"),
                          (plain, "plain.zarr is not a skillode trajectory .*skillode_format")):
        with pytest.raises(ValueError, match=message) as e:
            sk.load(path)
        _shallow(e.value)
    with pytest.raises(TypeError, match="ds must be an xarray.Dataset"):
        sk.save([1.0, 2.0], tmp_path / "x.nc")
    with pytest.raises(TypeError, match="a trajectory must be an xarray.Dataset"):
        validate_trajectory({"t": [0.0]})


def test_zarr_writes_and_reads_print_no_zarr_warnings(tmp_path):
    sweep = sk.Sweep(axes={"loss_kind": ["mse", "ce"]}, n=2, eta=0.02)  # a string coordinate
    gated = sk.ResourceModel(p=P2, eta=0.02, gates=sk.SkillGraph(("a", "b"), {"b": sk.chain("a")}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = sweep.run(TS, store=tmp_path / "s.zarr", progress=False)
        again = open_store(tmp_path / "s.zarr")
        sk.save(ds, tmp_path / "d.zarr")
        loaded = sk.load(tmp_path / "d.zarr")
        sk.save(gated.solve(TS), tmp_path / "g.zarr")  # skill names
        names = sk.load(tmp_path / "g.zarr").skill_name
    noisy = [w for w in caught if "zarr" in str(w.message).lower() or "zarr" in w.filename]
    assert not noisy, [str(w.message)[:100] for w in noisy]
    for read in (ds, again, loaded):  # strings come back as NumPy strings
        assert read.loss_kind.dtype.kind == "U" and list(read.loss_kind.values) == ["mse", "ce"]
    assert names.dtype.kind == "U" and list(names.values) == ["a", "b"]


# ------------------------------------------------------------------------------------------------ sweep stores
def _store(tmp_path, name="s.zarr"):
    sweep = sk.Sweep(axes={"N0": [0.0, 0.1, 0.2, 0.3]}, n=3, eta=0.02)
    path = tmp_path / name
    reference = sweep.run(TS, store=path, block_size=2, progress=False)
    return sweep, path, reference


def _damage(path, how):
    chunk = path / "skill_level" / "c" / "1" / "0" / "0"
    assert chunk.is_file()
    if how == "missing":
        chunk.unlink()
    else:
        chunk.write_bytes(b"garbage" * 10)


@pytest.mark.parametrize(("how", "what"), [("missing", "chunk file skill_level/c/1/0/0 is missing"),
                                           ("corrupt", "chunk skill_level/c/1/0/0 cannot be read")])
def test_a_damaged_block_is_named_on_reading_and_recomputed_by_a_rerun(tmp_path, how, what):
    sweep, path, reference = _store(tmp_path)
    _damage(path, how)
    with pytest.raises(ValueError, match=rf"1 block\(s\) marked done .*block \(1,\): its {what}.*rerun") as e:
        open_store(path)
    _shallow(e.value)
    with pytest.warns(UserWarning, match=rf"block \(1,\): its {what}.*computes it again"):
        rerun = sweep.run(TS, store=path, block_size=2, progress=False)
    xr.testing.assert_identical(rerun, reference)
    xr.testing.assert_identical(open_store(path).drop_attrs(), reference.drop_attrs())


def test_a_study_recomputes_a_damaged_block_of_a_complete_part(tmp_path):
    sweep = sk.Sweep(axes={"N0": [0.0, 0.1, 0.2, 0.3]}, n=3, eta=0.02)
    study = Study(tmp_path / "study", [({"kind": "a"}, sweep.plan(TS, block_size=2))])
    assert study.run(progress=False)["blocks_computed"] == 2
    reference = study.dataset()
    store = next((tmp_path / "study").glob("*.zarr"))
    _damage(store, "missing")
    with pytest.raises(ValueError, match=r"block \(1,\): its chunk file .* is missing.*rerun"):
        study.dataset()
    with pytest.warns(UserWarning, match="computes it again"):
        assert study.run(progress=False)["blocks_computed"] == 1
    xr.testing.assert_identical(study.dataset(), reference)


def test_an_all_nan_block_is_written_and_so_never_mistaken_for_a_missing_one(tmp_path):
    sweep = sk.Sweep(axes={"N0": [0.0, 0.1]}, n=2, eta=0.02)
    path = tmp_path / "s.zarr"
    plan = sweep.plan(TS, block_size=1)
    from skillode.sweeps.store import SweepStore

    store = SweepStore(path, plan)
    nan = {name: np.full((1, *shape), np.nan) for name, (_, shape) in plan.variables().items()}
    store.write((0,), nan)
    assert (path / "skill_level" / "c" / "0" / "0" / "0").is_file()
    assert np.isnan(open_store(path, complete=False).skill_level.isel(N0=0)).all()


def test_a_store_without_its_block_record_says_so(tmp_path):
    sweep, path, _ = _store(tmp_path)
    shutil.rmtree(path / "skillode")
    for read in (lambda: open_store(path), lambda: sweep.run(TS, store=path, block_size=2, progress=False)):
        with pytest.raises(ValueError, match=r"s.zarr has no block record \(skillode/writes.*delete it") as e:
            read()
        _shallow(e.value)


# ------------------------------------------------------------------------------------------------ runs that diverge
def test_a_diverged_geometry_run_raises_instead_of_returning_nan():
    model = sk.GeometryModel(p=sk.zipf(3), T=np.eye(3))
    with pytest.raises(ValueError, match=r"diverged: its loss is not finite from t = \d+ on .*learning_rate=1000000"):
        sk.simulate(model, "sgd", 100, key=jax.random.key(0), learning_rate=1e6)


# ------------------------------------------------------------------------------------------------ networks
@pytest.fixture(scope="module")
def parity():
    from skillode.networks import domino_parity

    return domino_parity(key=jax.random.key(0), p2=0.1, n_samples=256)


@pytest.mark.parametrize(("widths", "message"), [
    ((31, 8, 2), r"does not accept MultitaskSparseParity's inputs: one input has shape \(32,\).*first layer takes "
                 r"inputs of width 31"),
    ((32, 8, 3), r"output \(shape \(3,\) per input\) does not fit MultitaskSparseParity's targets"),
])
def test_a_network_that_does_not_fit_the_task_is_refused_before_training(parity, widths, message):
    from skillode.networks import MLP, train

    with pytest.raises(ValueError, match=message) as e:
        train(partial(MLP, widths, "relu"), parity, sk.make_optimizer("adam", 1e-3), steps=10, log_every=10,
              progress=False)
    _shallow(e.value)


@pytest.mark.standard_dtype_promotion
def test_diverged_training_raises_and_a_network_needs_a_key(parity):
    from skillode.networks import MLP, train

    with pytest.raises(ValueError, match="training diverged: the loss of seed 0 is not finite from t = "):
        train(partial(MLP, (32, 8, 2), "relu"), parity, sk.make_optimizer("sgd", 1e8), steps=20, log_every=10,
              progress=False)
    with pytest.raises(ValueError, match=r"key must be a JAX PRNG key, e.g. jax.random.key\(0\)"):
        MLP((32, 2), "relu", key=0)


def test_an_optimizer_keyword_the_preset_does_not_take_is_named():
    with pytest.raises(ValueError, match=r"optimizer 'adam': .* refused the keyword arguments \['bogus'\]"):
        sk.make_optimizer("adam", 1e-3, bogus=1)


# ------------------------------------------------------------------------------------------------ command line
@pytest.mark.parametrize(("argv", "message"), [
    (["sweep", "geometry", "--n", "3", "--N", "5", "--seed", "-1,0", "--steps", "10"],
     "--seed: seed must be an integer >= 0, got -1"),
    (["solve", "--out", ""], "argument --out: give a path, not an empty string"),
    (["sweep", "resource", "--N0", "0,0.1", "--store", " "], "argument --store: give a path, not an empty string"),
])
def test_cli_flags_name_themselves_and_the_rule(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_report_into_an_uncreatable_folder_fails_before_running_anything(tmp_path, capsys):
    from skillode.report import list_examples

    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--out", str(blocker / "report"), "--only", next(iter(list_examples()))])
    assert exit_.value.code == 2
    assert f"cannot create the report folder '{blocker / 'report'}'" in capsys.readouterr().err
