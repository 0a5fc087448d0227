r"""A study: sweeps ("parts") keyed by their coordinates, each in its own store, read back as one Dataset.

A study that grows — more $N$, more seeds, longer runs, another optimizer — cannot be one sweep: a store holds one
sweep and refuses any other (`skillode.sweeps.SweepStore`). A `Study` is a set of *parts*. A part (`Part`) is one
sweep's plan (``sweep.plan(...)``) and its *coordinates*: the values that set it apart from the other parts, e.g.
``{"optimizer": "adam", "steps": 3000, "N": 100, "seed": 0}``. Each part has its own zarr store under the study's
folder ``root``:

- the store's name is made from the coordinates (readable, but never parsed back);
- the coordinates are written into the store's ``attrs`` (``skillode_part``, JSON) when it is created, and they
  alone say which part a store holds: a store renamed or moved (anywhere under ``root``) is still its part, and a
  store whose sweep is not the part's plan (another fingerprint) is refused with an error;
- `Study.run` computes what ``root`` lacks — the missing parts and, in a part cut short, its missing blocks — in
  process or on a Dask client, through the one execution loop of `skillode.sweeps.execute`: on a client, blocks of
  several parts are in flight at once; one progress bar counts the runs of all parts;
- `Study.dry_run` estimates the missing work with `skillode.sweeps.dry_run`, one probe per group of parts;
- `Study.dataset` reads the parts back as **one** ``xarray.Dataset``: its dims are the coordinates, then the parts'
  own dims; NaN where a part is missing or unfinished. `Study.open` reads whatever a folder holds, without parts.

A larger study over the same ``root`` computes only its new parts, and two studies that share a part (same
coordinates, same plan) share its store, also when they run at once: a part is locked while it is computed. Where
a block runs never changes its numbers (`skillode.sweeps.grid`), so a study grown part by part, interrupted and
resumed equals one run at once.

Examples:
    >>> import tempfile
    >>> import numpy as np
    >>> from skillode.sweeps import Part, Study, Sweep
    >>> def part(N0, eta):                     # a part: a Resource sweep over alpha at fixed N0 and eta
    ...     sweep = Sweep(axes={"alpha": [1.5, 2.0]}, n=3, N0=N0, eta=eta)
    ...     return Part({"N0": N0, "eta": eta}, sweep.plan(np.linspace(0.0, 500.0, 6)))
    >>> root = tempfile.mkdtemp()
    >>> study = Study(root, [part(0.0, 0.01), part(0.1, 0.01)])
    >>> study.run(progress=False)
    {'parts': 2, 'parts_computed': 2, 'blocks_computed': 2}
    >>> study.dataset().skill_level.dims       # one Dataset: the coordinates, then the parts' own dims
    ('N0', 'eta', 'alpha', 'skill', 't')
    >>> bigger = Study(root, [part(N0, eta) for N0 in (0.0, 0.1) for eta in (0.01, 0.02)])
    >>> bigger.missing()                       # a larger study over the same folder: only its new parts run
    ({'N0': 0.0, 'eta': 0.02}, {'N0': 0.1, 'eta': 0.02})
    >>> bigger.dataset().skill_level.sel(eta=0.02).isnull().all().item()    # NaN until they are computed
    True
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import equinox as eqx
import numpy as np
import xarray as xr

from .._validate import check_int
from .execute import _Job, _run_blocks
from .execute import dry_run as _dry_run
from .grid import AbstractGridPlan, digest
from .store import _META, SweepStore, open_store

__all__ = ["Part", "Study"]

ATTR = "skillode_part"
"""The store attribute that holds a part's coordinates (JSON: ``[[name, value], ...]``)."""
STORE_COORD = "part_store"
"""The coordinate of `Study.dataset` that names each part's store (relative to the study's folder; "" if none)."""
_BOOKKEEPING = (ATTR, "skillode_sweep", "skillode_spec", "blocks_done", "blocks_total")
_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]")


# ------------------------------------------------------------------------------------------------------- coordinates


def _value(name: str, value):
    """A coordinate value as a plain Python str, bool, int or finite float."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (str, bool, int)) or (isinstance(value, float) and math.isfinite(value)):
        return value
    raise ValueError(f"coordinate {name!r} must be a str, bool, int or finite float, got {value!r}")


def _kind(value) -> str:
    return "bool" if isinstance(value, bool) else "str" if isinstance(value, str) else "number"


def _pairs(coords, what: str) -> tuple[tuple[str, object], ...]:
    if not isinstance(coords, Mapping) or not coords:
        raise ValueError(f"{what} must be a non-empty mapping coordinate name -> value, got {coords!r}")
    out = []
    for name, value in coords.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{what}: a coordinate name must be an identifier, got {name!r}")
        if name == STORE_COORD:
            raise ValueError(f"{what}: {STORE_COORD!r} is reserved (the coordinate that names each part's store)")
        out.append((name, _value(name, value)))
    return tuple(out)


def _key(pairs) -> str:
    """The identity of a part: its coordinates as canonical JSON (order-free; 1 and 1.0 differ)."""
    return json.dumps(sorted([list(p) for p in pairs]), separators=(",", ":"))


def _file_name(pairs) -> str:
    """``name=value,...zarr``, with a hash of the coordinates where a value has other characters (or is long)."""
    shown = [f"{k}={v}" for k, v in pairs]
    safe = [f"{k}={_UNSAFE.sub('_', str(v))}" for k, v in pairs]
    name = ",".join(safe)
    if safe != shown or len(name) > 120:
        name = f"{name[:100]}-{digest(_key(pairs))[:10]}"
    return name + ".zarr"


class Part(eqx.Module):
    """One part of a `Study`: a sweep's plan and the coordinates that key it.

    **Arguments:**

    - `coords`: mapping ``coordinate name -> value`` (names are identifiers; values str, bool, int or finite float),
      e.g. ``{"optimizer": "adam", "N": 100, "seed": 0}``. It keys the part's store and places the part in
      `Study.dataset`.
    - `plan`: what the part computes: a sweep's plan, ``sweep.plan(...)`` (`skillode.sweeps.grid.AbstractGridPlan`).
    """

    coords: tuple[tuple[str, object], ...]
    plan: AbstractGridPlan

    def __init__(self, coords: Mapping[str, object], plan: AbstractGridPlan):
        self.coords = _pairs(coords, "Part coords")
        if not isinstance(plan, AbstractGridPlan):
            raise TypeError(f"Part plan must be a sweep's plan (sweep.plan(...)), got {type(plan).__name__}")
        self.plan = plan


# ------------------------------------------------------------------------------------------------------- the folder


class _Held(NamedTuple):
    """A part store found under a folder: where, which part (from its attrs), which sweep, how far."""

    path: Path
    pairs: tuple
    fingerprint: str
    done: int
    total: int

    @property
    def complete(self) -> bool:
        return self.done == self.total


def _zarr_dirs(root: Path):
    for folder, dirs, _ in os.walk(root):
        walk = []
        for d in sorted(dirs):
            if d.startswith("."):
                continue  # hidden: a store being created (SweepStore), or not ours
            if d.endswith(".zarr"):
                yield Path(folder) / d
            else:
                walk.append(d)
        dirs[:] = walk


def _read_held(path: Path) -> _Held | None:
    import zarr

    try:
        attrs = zarr.open_group(str(path), mode="r", use_consolidated=False).attrs
        text, fingerprint = attrs.get(ATTR), attrs.get("skillode_sweep")
        if text is None or fingerprint is None:
            return None
        pairs = tuple((str(k), v) for k, v in json.loads(text))
        writes = np.asarray(zarr.open_array(str(path / _META / "writes"), mode="r")[...])
    except Exception:  # noqa: BLE001 - not a part store we made: not ours to read
        return None
    return _Held(path, pairs, str(fingerprint), int((writes > 0).sum()), int(writes.size))


def _scan(root: Path) -> dict[str, _Held]:
    """Every part store under ``root`` (any depth), keyed by its coordinates read from its attrs."""
    held: dict[str, _Held] = {}
    if not root.is_dir():
        return held
    for path in _zarr_dirs(root):
        found = _read_held(path)
        if found is None:
            continue
        key = _key(found.pairs)
        if key in held:
            raise ValueError(f"two stores under {root} hold the part {dict(found.pairs)}: {held[key].path} and "
                             f"{path}; delete one")
        held[key] = found
    return held


LOCKS = ".skillode-locks"
"""The folder under a study's ``root`` that holds one lock file per part being computed."""


class _PartLocks:
    """Exclusive locks on parts, one lock file each (``root/.skillode-locks/<hash of the coordinates>.lock``),
    held until `release`: two processes (two examples of a report, two scripts) that run studies sharing a part
    over the same ``root`` compute it once: the second waits, then finds it done. POSIX advisory locks
    (``fcntl.flock``): released by the system when the holder dies, so a crash leaves no stale lock. Where
    ``fcntl`` does not exist (Windows), parts are not locked and two runs at once may compute one part twice."""

    def __init__(self, root: Path):
        self.folder = root / LOCKS
        self.held: dict[str, object] = {}

    def acquire(self, key: str, *, wait: bool) -> bool:
        """Lock the part with this key; ``wait=False``: return False at once if another holder has it."""
        if key in self.held:
            return True
        try:
            import fcntl
        except ImportError:  # no advisory locks on this platform
            return True
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = open(self.folder / f"{digest(key)[:16]}.lock", "a")  # noqa: SIM115 - held until release
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.close()
            return False
        except BaseException:
            handle.close()
            raise
        self.held[key] = handle
        return True

    def release(self) -> None:
        for handle in self.held.values():
            handle.close()  # closing the file releases its lock
        self.held.clear()


def _where(where) -> dict[str, list]:
    if where is None:
        return {}
    if not isinstance(where, Mapping):
        raise ValueError(f"where must be a mapping coordinate name -> value or list of values, got {where!r}")
    out = {}
    for name, values in where.items():
        values = list(values) if isinstance(values, (list, tuple, set, frozenset, np.ndarray)) else [values]
        if not values:
            raise ValueError(f"where[{name!r}] is empty")
        out[name] = [_value(name, v) for v in values]
    return out


def _matches(pairs, where: dict[str, list]) -> bool:
    coords = dict(pairs)
    return all(name in coords and any(_kind(v) == _kind(coords[name]) and v == coords[name] for v in values)
               for name, values in where.items())


# ------------------------------------------------------------------------------------------------------- one Dataset


class _Cell(NamedTuple):
    pairs: tuple
    template: xr.Dataset  # the part's Dataset layout (coordinates and variables, values not read)
    data: xr.Dataset | None  # the part's complete Dataset, None where missing or unfinished
    store: str  # relative path of its store, "" if none


def _plan_template(plan: AbstractGridPlan) -> xr.Dataset:
    """The plan's Dataset around zero-stride NaN views: its layout at no cost."""
    grid = plan.grid
    return plan.dataset({name: np.broadcast_to(np.float64(np.nan), (*grid.shape, *shape))
                         for name, (_, shape) in plan.variables().items()})


def _same_layout(a: xr.Dataset, b: xr.Dataset, variables) -> str | None:
    """What differs between two parts' layouts (None if nothing does)."""
    for v in variables:
        if v not in b.data_vars:
            return f"variable {v!r} is missing"
        if a[v].dims != b[v].dims or a[v].shape != b[v].shape:
            return f"variable {v!r} has dims {dict(b[v].sizes)}, not {dict(a[v].sizes)}"
    if set(a.coords) != set(b.coords):
        return f"coordinates {sorted(b.coords)}, not {sorted(a.coords)}"
    for c in a.coords:
        x, y = a[c], b[c]
        if x.dims != y.dims or x.shape != y.shape:
            return f"coordinate {c!r} has shape {dict(y.sizes)}, not {dict(x.sizes)}"
        xv, yv = np.asarray(x.values), np.asarray(y.values)
        nan = xv.dtype.kind == "f" and yv.dtype.kind == "f"
        if not np.array_equal(xv, yv, equal_nan=nan):
            return f"coordinate {c!r} has other values (e.g. other record times or axis values)"
    return None


def _assemble(names: tuple[str, ...], cells: list[_Cell], variables, attrs: dict) -> xr.Dataset:
    """One Dataset over the cells: dims ``(*names, *the parts' dims)``, NaN where a cell has no data."""
    first = cells[0]
    template = first.template
    clash = [n for n in names if n in template.dims or n in template.coords]
    if clash:
        raise ValueError(f"the part coordinates {clash} are also dims or coordinates of the parts' Datasets; "
                         "rename them")
    if variables is None:
        variables = list(template.data_vars)
    else:
        variables = [variables] if isinstance(variables, str) else list(variables)
        bad = [v for v in variables if v not in template.data_vars]
        if bad:
            raise ValueError(f"variables {bad} are not among the parts' variables {list(template.data_vars)}")
    for cell in cells[1:]:
        why = _same_layout(template, cell.template, variables)
        if why is not None:
            raise ValueError(f"parts {dict(first.pairs)} and {dict(cell.pairs)} cannot share one Dataset: {why}; "
                             "read such parts one at a time (Study.open_part)")
    values = {n: sorted({dict(c.pairs)[n] for c in cells}) for n in names}
    position = {n: {v: i for i, v in enumerate(vs)} for n, vs in values.items()}
    shape = tuple(len(values[n]) for n in names)
    out = {v: np.full((*shape, *template[v].shape), np.nan, dtype=np.result_type(template[v].dtype, np.float64))
           for v in variables}
    stores = np.full(shape, "", dtype=object)
    seen: dict[tuple, tuple] = {}
    for cell in cells:
        coords = dict(cell.pairs)
        at = tuple(position[n][coords[n]] for n in names)
        if at in seen:
            raise ValueError(f"parts {dict(seen[at])} and {coords} have equal coordinates; give one kind of value")
        seen[at] = cell.pairs
        if cell.data is None:
            continue
        stores[at] = cell.store
        for v in variables:
            out[v][at] = np.asarray(cell.data[v].transpose(*template[v].dims).values)
    coords = {n: np.asarray(values[n]) for n in names}
    coords.update({c: template.coords[c].variable for c in template.coords})
    coords[STORE_COORD] = (names, stores.astype(str))
    ds = xr.Dataset({v: ((*names, *template[v].dims), out[v], template[v].attrs) for v in variables}, coords=coords)
    ds.attrs.update(attrs)
    return ds


def _common_attrs(datasets: list[xr.Dataset]) -> dict:
    """The attrs every Dataset has with the same value (bookkeeping left out)."""
    if not datasets:
        return {}
    first = datasets[0].attrs
    keep = {k: json.dumps(v, sort_keys=True, default=str) for k, v in first.items() if k not in _BOOKKEEPING}
    for ds in datasets[1:]:
        keep = {k: s for k, s in keep.items() if k in ds.attrs and json.dumps(ds.attrs[k], sort_keys=True,
                                                                              default=str) == s}
    return {k: first[k] for k in keep}


# ------------------------------------------------------------------------------------------------------- the study


class Study(eqx.Module):
    """A set of parts, each a sweep in its own store under `root` (see the module docstring).

    **Arguments:**

    - `root`: the study's folder of part stores (made by `run` if it does not exist). Several studies may share
      it: a part is found by its coordinates wherever it lies under `root`.
    - `parts`: the `Part`\\ s (or ``(coords, plan)`` pairs). Every part has the same coordinate names (their
      order is the order of the dims of `dataset`); no two parts have equal coordinates; a coordinate's values
      are all strings, all booleans or all numbers.

    Errors name the part and the parameter at fault; nothing is computed or written before `run`.
    """

    root: Path
    parts: tuple[Part, ...]

    def __init__(self, root, parts: Iterable[Part | tuple[Mapping, AbstractGridPlan]]):
        if not isinstance(root, (str, os.PathLike)):
            raise TypeError(f"root must be a folder path, got {type(root).__name__}")
        self.root = Path(root)
        if self.root.suffix == ".zarr" or (self.root.exists() and not self.root.is_dir()):
            raise ValueError(f"root must be a folder of part stores (not a store or a file), got {str(root)!r}")
        if isinstance(parts, (Part, Mapping)) or not isinstance(parts, Iterable):
            raise TypeError("parts must be a sequence of Part(coords, plan)")
        given = []
        for i, p in enumerate(parts):
            if isinstance(p, tuple) and len(p) == 2:
                p = Part(*p)
            if not isinstance(p, Part):
                raise TypeError(f"parts[{i}] must be a Part(coords, plan), got {type(p).__name__}")
            given.append(p)
        if not given:
            raise ValueError("parts is empty: a study needs at least one Part")
        names = tuple(n for n, _ in given[0].coords)
        keys, values = set(), set()
        for p in given:
            coords = dict(p.coords)
            if set(coords) != set(names):
                raise ValueError(f"every part needs the coordinates {list(names)}; part {coords} has {list(coords)}")
            clash = [n for n in names if n in p.plan.grid.dims or any(n in tail for tail, _ in
                                                                     p.plan.variables().values())]
            if clash:
                raise ValueError(f"part {coords}: the coordinates {clash} are also dims of its sweep; rename them")
            key, point = _key(p.coords), tuple((n, _kind(coords[n]), coords[n]) for n in names)
            if key in keys or point in values:
                raise ValueError(f"two parts have the coordinates {coords}")
            keys.add(key)
            values.add(point)
        for n in names:
            kinds = sorted({_kind(dict(p.coords)[n]) for p in given})
            if len(kinds) > 1:
                raise ValueError(f"coordinate {n!r} mixes {' and '.join(kinds)} values; give it one kind")
        self.parts = tuple(Part({n: dict(p.coords)[n] for n in names}, p.plan) for p in given)

    # -------------------------------------------------------------------------------------------- where things are
    @property
    def names(self) -> tuple[str, ...]:
        """The coordinate names, in the order of `dataset`'s leading dims."""
        return tuple(n for n, _ in self.parts[0].coords)

    def _status(self) -> tuple[dict[str, _Held], list[_Held | None]]:
        """What ``root`` holds, and per part its store (None if none); a store of another sweep is an error."""
        held = _scan(self.root)
        status = []
        for part in self.parts:
            found = held.get(_key(part.coords))
            if found is not None and found.fingerprint != part.plan.fingerprint():
                raise ValueError(
                    f"part {dict(part.coords)}: its store {found.path} holds a different sweep (fingerprint "
                    f"{found.fingerprint}, this part's plan {part.plan.fingerprint()}: parameters, times or block "
                    "size differ); give the part other coordinates, use another root, or delete the store")
            status.append(found)
        return held, status

    def _part(self, coords: Mapping) -> int:
        key = _key(_pairs(coords, "coords"))
        for i, part in enumerate(self.parts):
            if _key(part.coords) == key:
                return i
        raise ValueError(f"coords {dict(coords)} are not the coordinates of a part of this study")

    def _new_path(self, part: Part, taken: set[Path]) -> Path:
        path = self.root / _file_name(part.coords)
        if path in taken or path.exists():  # a store of another part was renamed to this part's name
            path = path.with_name(f"{path.stem}-{digest(_key(part.coords))[:10]}.zarr")
            if path in taken or path.exists():
                raise ValueError(f"part {dict(part.coords)}: {path} is taken by another store; move it away")
        return path

    def path(self, coords: Mapping) -> Path:
        """Where the part with these coordinates has (or will have) its store."""
        i = self._part(coords)
        held, status = self._status()
        if status[i] is not None:
            return status[i].path
        return self._new_path(self.parts[i], {h.path for h in held.values()})

    def done(self) -> tuple[dict, ...]:
        """The coordinates of the parts whose store is complete, in the order of `parts`."""
        _, status = self._status()
        return tuple(dict(p.coords) for p, h in zip(self.parts, status) if h is not None and h.complete)

    def missing(self) -> tuple[dict, ...]:
        """The coordinates of the parts that `run` computes (no store yet, or one cut short), in order."""
        _, status = self._status()
        return tuple(dict(p.coords) for p, h in zip(self.parts, status) if h is None or not h.complete)

    # -------------------------------------------------------------------------------------------- running
    def run(self, *, client=None, progress: bool = True, max_in_flight: int | None = None) -> dict:
        """Compute what ``root`` lacks: the missing parts, and the missing blocks of a part cut short (or marked done
        with missing or corrupt data: `skillode.sweeps.SweepStore` checks a store it resumes).

        **Arguments:**

        - `client`: ``None`` (in process: parts one after another, in order) or a ``dask.distributed.Client``:
          blocks of all missing parts go to its workers, at most `max_in_flight` at a time (default two per
          worker), so several parts run at once; only this process writes the stores.
        - `progress`: one tqdm bar over the runs (grid points) of all parts.
        - `max_in_flight`: blocks in flight on the client at a time.

        **Returns:** ``{"parts", "parts_computed", "blocks_computed"}`` (read the results with `dataset` or
        `open_part`). A part's store is created when its first block is written; an error or an interruption leaves
        every finished block in place, and a rerun resumes there.

        Two runs at once over one ``root`` (two scripts, two examples of a report) compute a part they share once:
        each part is locked while it is computed (`_PartLocks`, POSIX advisory locks under ``root``), and a run
        that finds a part locked computes its other parts first, then waits for that one and reads it.
        """
        if max_in_flight is not None:
            max_in_flight = check_int(max_in_flight, "max_in_flight")
        locks = _PartLocks(self.root)
        computed: dict[str, int] = {}  # part key -> blocks computed by this call
        try:
            while True:
                jobs, waiting = self._jobs(locks)
                if any(job.todo for job in jobs):
                    _run_blocks(jobs, client=client, progress=progress, desc="study", max_in_flight=max_in_flight)
                for part, job in zip(self.parts, jobs):
                    if job.todo:
                        computed[_key(part.coords)] = computed.get(_key(part.coords), 0) + len(job.todo)
                locks.release()  # what this call locked is done: never hold a part while waiting for another
                if not waiting:
                    break
                if progress:
                    print(f"study: part {dict(waiting[0].coords)} is being computed by another process under "
                          f"{self.root}; waiting for it", file=sys.stderr, flush=True)
                locks.acquire(_key(waiting[0].coords), wait=True)  # then look again: it is done, or cut short
        finally:
            locks.release()
        return {"parts": len(self.parts), "parts_computed": len(computed), "blocks_computed": sum(computed.values())}

    def _jobs(self, locks: _PartLocks) -> tuple[list[_Job], list[Part]]:
        """Per part a job of its missing blocks, for the parts this process could lock (an empty job for the others
        and for the parts done), and the parts with missing blocks that another process holds.

        A store marked complete is checked block by block (`skillode.sweeps.SweepStore`): a damaged block is
        missing, too. The folder is read again once the locks are held, as another process may have finished a
        part in between."""
        _, status = self._status()
        mine, waiting = set(), []
        for part, found in zip(self.parts, status):
            if found is not None and found.complete and not self._todo(part, found):
                continue
            if locks.acquire(_key(part.coords), wait=False):
                mine.add(_key(part.coords))
            else:
                waiting.append(part)
        held, status = self._status() if mine else (None, status)
        taken = {h.path for h in held.values()} if mine else set()
        jobs = []
        for part, found in zip(self.parts, status):
            label = f"part {dict(part.coords)}"
            if _key(part.coords) not in mine:
                jobs.append(_Job(part.plan, [], None, label))
            elif found is None:
                path = self._new_path(part, taken)
                taken.add(path)
                sink = _LazyStore(path, part.plan, {ATTR: json.dumps([list(p) for p in part.coords])})
                self.root.mkdir(parents=True, exist_ok=True)
                jobs.append(_Job(part.plan, list(part.plan.grid.block_indices()), sink.write, label))
            else:
                sink = _LazyStore(found.path, part.plan, {})
                jobs.append(_Job(part.plan, self._todo(part, found, sink), sink.write, label))
        return jobs, waiting

    @staticmethod
    def _todo(part: Part, found: _Held, sink: _LazyStore | None = None) -> list:
        """The blocks of ``part`` that its store ``found`` lacks (or holds damaged)."""
        store = (sink or _LazyStore(found.path, part.plan, {})).open()
        return [b for b in part.plan.grid.block_indices() if not store.done(b)]

    def dry_run(self, *, workers: int = 1, by: Sequence[str] | None = None, repeats: int = 1) -> dict:
        """Estimate what `run` would compute now, through `skillode.sweeps.dry_run`; nothing is stored.

        Parts that agree on the coordinates `by` are taken to cost the same per block: one part of each such group
        that has missing blocks is probed (`skillode.sweeps.dry_run`: a cheaper probe of its plan, compiled once
        and timed), and its seconds per block scale to the group's missing blocks.

        **Arguments:**

        - `workers`: the estimate divides the work over this many workers.
        - `by`: the coordinates that change the compiled program or the cost of a block (default: all of them, so
          every missing part is probed). E.g. ``("optimizer", "N")`` when parts differ otherwise only by seed.
        - `repeats`: timed runs of each probe block.

        **Returns:** a dict (`skillode.sweeps.format_dry_run` prints it) with ``parts``, ``parts_missing``,
        ``runs``, ``blocks``, ``blocks_missing``, ``by``, ``programs`` (groups probed), ``compile_s`` (all probes'
        compilations), ``estimate_s`` (the missing blocks on `workers` workers, compilation aside), ``workers``,
        ``store_bytes`` (uncompressed upper bound, all parts) and ``probes`` (per group: its coordinates,
        ``parts``, ``blocks_missing``, ``block_s``, ``compile_s``).
        """
        workers = check_int(workers, "workers")
        repeats = check_int(repeats, "repeats")
        by = self.names if by is None else ((by,) if isinstance(by, str) else tuple(by))
        bad = [n for n in by if n not in self.names]
        if bad:
            raise ValueError(f"by names {bad}, which are not coordinates of this study {list(self.names)}")
        _, status = self._status()
        groups: dict[tuple, list] = {}
        for part, found in zip(self.parts, status):
            n_blocks = part.plan.grid.n_blocks
            missing = n_blocks if found is None else found.total - found.done
            groups.setdefault(tuple(dict(part.coords)[n] for n in by), []).append((part, missing))
        probes, seconds = [], 0.0
        for key, members in groups.items():
            missing = sum(m for _, m in members)
            if not missing:
                continue
            info = _dry_run(next(p for p, m in members if m).plan, workers=1, repeats=repeats)
            seconds += info["block_s"] * missing
            probes.append({**dict(zip(by, key)), "parts": len(members), "blocks_missing": missing,
                           "block_s": info["block_s"], "compile_s": info["compile_s"]})
        plans = [p.plan for p in self.parts]
        return {
            "parts": len(self.parts),
            "parts_missing": sum(h is None or not h.complete for h in status),
            "runs": sum(p.grid.size for p in plans),
            "blocks": sum(p.grid.n_blocks for p in plans),
            "blocks_missing": sum(m for members in groups.values() for _, m in members),
            "by": list(by),
            "programs": len(probes),
            "compile_s": sum(p["compile_s"] for p in probes),
            "estimate_s": seconds / workers,
            "workers": workers,
            "store_bytes": sum(p.nbytes() for p in plans),
            "probes": probes,
        }

    # -------------------------------------------------------------------------------------------- reading back
    def dataset(self, *, variables: str | Sequence[str] | None = None) -> xr.Dataset:
        """The parts as one Dataset, NaN where a part is missing or unfinished.

        **Arguments:**

        - `variables`: the variables to read (default: all of them).

        **Returns:** an in-memory ``xarray.Dataset`` whose dims are the coordinates (`names`; their values sorted)
        followed by the parts' own dims, with the parts' coordinates (``t``, ``skill``, ...), the coordinate
        ``part_store`` (each part's store relative to `root`, "" where none is complete), the ``attrs`` all parts
        share, and ``attrs["parts_total"]``, ``attrs["parts_complete"]``. Raises ``ValueError`` if the parts'
        Datasets cannot be aligned (other record times, other axis values, other variables); read such parts with
        `open_part`.
        """
        _, status = self._status()
        cells = []
        for part, found in zip(self.parts, status):
            complete = found is not None and found.complete
            data = open_store(found.path) if complete else None
            store = found.path.relative_to(self.root).as_posix() if complete else ""
            cells.append(_Cell(part.coords, _plan_template(part.plan), data, store))
        attrs = _common_attrs([c.template for c in cells])
        attrs.update(parts_total=len(cells), parts_complete=sum(c.data is not None for c in cells))
        return _assemble(self.names, cells, variables, attrs)

    def open_part(self, coords: Mapping) -> xr.Dataset | None:
        """One part's own Dataset as its store holds it (its plan's variables), or ``None`` until it is complete."""
        i = self._part(coords)
        _, status = self._status()
        found = status[i]
        if found is None or not found.complete:
            return None
        return open_store(found.path)[list(self.parts[i].plan.variables())]

    @staticmethod
    def open(root, *, where: Mapping | None = None, variables: str | Sequence[str] | None = None) -> xr.Dataset:
        """Every complete part store under ``root`` (any depth) whose coordinates match `where`, as one Dataset —
        whatever study wrote them; no parts or plans needed.

        **Arguments:**

        - `root`: a study's folder.
        - `where`: ``coordinate name -> value`` (or list of values) that a part must have, e.g.
          ``{"optimizer": "adam", "steps": 3000}``; default: every part store.
        - `variables`: the variables to read (default: all of them).

        **Returns:** as `Study.dataset`, over the coordinate values that complete parts have (NaN where a
        combination of them has no part); ``attrs["parts_total"]`` counts the matching stores, complete or not.
        Raises ``ValueError`` if no complete part matches, or the matching parts have other coordinate names.
        """
        if not isinstance(root, (str, os.PathLike)):
            raise TypeError(f"root must be a folder path, got {type(root).__name__}")
        root = Path(root)
        if not root.is_dir():
            raise ValueError(f"root {str(root)!r} is not a folder")
        want = _where(where)
        held = sorted((h for h in _scan(root).values() if _matches(h.pairs, want)), key=lambda h: _key(h.pairs))
        complete = [h for h in held if h.complete]
        if not complete:
            raise ValueError(f"no complete part store under {root} matches where={dict(want)} ({len(held)} "
                             "unfinished)")
        names = tuple(n for n, _ in complete[0].pairs)
        for h in complete:
            if sorted(n for n, _ in h.pairs) != sorted(names):
                raise ValueError(f"the parts under {root} have other coordinate names: {list(names)} in "
                                 f"{complete[0].path.name}, {[n for n, _ in h.pairs]} in {h.path}; narrow where=")
        cells = []
        for h in complete:
            ds = open_store(h.path)
            pairs = tuple((n, dict(h.pairs)[n]) for n in names)
            cells.append(_Cell(pairs, ds, ds, h.path.relative_to(root).as_posix()))
        attrs = _common_attrs([c.data for c in cells])
        attrs.update(parts_total=len(held), parts_complete=len(cells))
        return _assemble(names, cells, variables, attrs)


class _LazyStore:
    """A part's store, created (with the part's coordinates in its attrs) when its first block arrives."""

    def __init__(self, path: Path, plan: AbstractGridPlan, attrs: dict):
        self.path, self.plan, self.attrs = path, plan, attrs
        self._store = None

    def open(self) -> SweepStore:
        if self._store is None:
            self._store = SweepStore(self.path, self.plan, attrs=self.attrs)
        return self._store

    def write(self, index, arrays) -> None:
        self.open().write(index, arrays)
