"""`local_cluster` partitions the machine's cores among its workers (`partition_cores`)."""

import os
import sys

import pytest

from skillode.sweeps.clusters import partition_cores


@pytest.mark.parametrize(
    ("cores", "n_workers", "expected"),
    [
        ({0, 1}, 2, [{0}, {1}]),
        ({0, 1}, 1, [{0, 1}]),
        (range(5), 2, [{0, 1, 2}, {3, 4}]),
        (range(16), 3, [set(range(6)), set(range(6, 11)), set(range(11, 16))]),
        ({0, 1}, 3, [{0}, {1}, {0}]),  # more workers than cores: round-robin
        ([7], 2, [{7}, {7}]),
        ({2, 5, 9, 11}, 2, [{2, 5}, {9, 11}]),  # the process's own mask, not 0..cpu_count-1
        ([3, 1, 3, 2], 3, [{1}, {2}, {3}]),  # unsorted, repeated
    ],
)
def test_partition_cores(cores, n_workers, expected):
    parts = partition_cores(cores, n_workers)
    assert [set(p) for p in parts] == expected


@pytest.mark.parametrize("n_workers", [1, 2, 3, 4, 7, 8, 9, 20])
def test_partition_cores_is_disjoint_and_covers_while_cores_suffice(n_workers):
    cores = range(8)
    parts = partition_cores(cores, n_workers)
    assert len(parts) == n_workers and all(parts)
    if n_workers <= 8:
        assert set().union(*parts) == set(cores) and sum(map(len, parts)) == 8
        assert max(map(len, parts)) - min(map(len, parts)) <= 1
    else:
        assert all(len(p) == 1 for p in parts)
        counts = [sum(c in p for p in parts) for c in cores]
        assert max(counts) - min(counts) <= 1


def test_partition_cores_refuses_nonsense():
    with pytest.raises(ValueError, match="core"):
        partition_cores([], 2)
    with pytest.raises(ValueError, match="n_workers"):
        partition_cores([0, 1], 0)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="os.sched_setaffinity is Linux-only")
def test_local_cluster_pins_each_worker_to_its_cores():
    from skillode.distributed import local_cluster

    mine = os.sched_getaffinity(0)
    expected = [set(p) for p in partition_cores(mine, 2)]
    with local_cluster(2, dashboard_address=None) as client:
        client.wait_for_workers(2)
        names = client.run(lambda dask_worker: int(dask_worker.name))
        found = client.run(os.sched_getaffinity, 0)
        assert {names[a]: set(c) for a, c in found.items()} == dict(enumerate(expected))
    assert os.sched_getaffinity(0) == mine  # the client's process is left alone
    with local_cluster(2, dashboard_address=None, pin=False) as client:
        client.wait_for_workers(2)
        assert all(set(c) == mine for c in client.run(os.sched_getaffinity, 0).values())


@pytest.mark.parametrize(
    ("source", "line", "expected"),
    [
        ("import x\nwith x.local_cluster(2) as c:\n    pass\n", 2, False),
        ("if __name__ == '__main__':\n    with local_cluster(2) as c:\n        pass\n", 2, True),
        ("def main():\n    local_cluster(2)\n\nmain()\n", 4, False),  # the top-level line that leads there
        ("def main():\n    local_cluster(2)\n\nif __name__ == '__main__':\n    main()\n", 5, True),
        ("x = (\n  local_cluster(2))\n", 2, False),
        ("not python (\n", 1, True),  # unreadable: do not refuse
    ],
)
def test_guarded(source, line, expected):
    from skillode.sweeps.clusters import guarded

    assert guarded(source, line) is expected


def test_local_cluster_without_main_guard_fails_with_one_clear_line(tmp_path):
    """A script that starts a cluster at top level gets one error line naming the fix, before any worker starts
    (not the page of multiprocessing tracebacks of each worker re-running the script)."""
    import subprocess

    script = tmp_path / "unguarded.py"
    script.write_text("from skillode.distributed import local_cluster\n\n"
                      "with local_cluster(2, dashboard_address=None) as client:\n    print(client)\n")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode != 0
    errors = [ln for ln in proc.stderr.splitlines() if "Error: " in ln and not ln.startswith(" ")]
    assert len(errors) == 1, proc.stderr
    assert 'unguarded.py, line 3: start local_cluster under `if __name__ == "__main__":`' in errors[0]
    assert "bootstrapping" not in proc.stderr and len(proc.stderr.splitlines()) < 15, proc.stderr
