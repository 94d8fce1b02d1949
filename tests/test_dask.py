"""Guest functions on a real Dask cluster (DESIGN.md §7): two worker processes, nothing mocked.

The cluster is a ``distributed.LocalCluster`` of two worker processes with one
thread each, started once for the module. Dask sends a
``witbridge.PortableFunction`` to its workers by pickling it, and each worker
instantiates the component once per thread.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import witbridge

distributed = pytest.importorskip("distributed")
np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
dask_bag = pytest.importorskip("dask.bag")
dask_dataframe = pytest.importorskip("dask.dataframe")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
VALUES = ROOT / "fixtures" / "wasm" / "values.component.wasm"
BUSY = ROOT / "fixtures" / "wat" / "busy.wat"

add = witbridge.PortableFunction(VALUES, "add")
greet = witbridge.PortableFunction(VALUES, "greet")
echo_f64s = witbridge.PortableFunction(VALUES, "values.echo-f64s", numeric_lists="numpy")
sum_f64s = witbridge.PortableFunction(VALUES, "values.sum-f64s")
trap = witbridge.PortableFunction(VALUES, "values.trap")
burn = witbridge.PortableFunction(BUSY, "burn")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def pids(client: Any) -> dict[str, int]:
    """Each worker's address and process id."""
    return dict(client.run(os.getpid))


# --- what the workers run (module-level, so that they can import it) ---------------------------


def doubled_column(partition: Any) -> Any:
    """A partition with column ``y``: the guest's echo of ``x`` (a numpy array both ways), times two."""
    return partition.assign(y=echo_f64s(partition["x"].to_numpy()) * 2)


def partition_sum(partition: Any) -> Any:
    return pd.Series([sum_f64s(partition["x"].to_numpy())])


# --- Client.map and submit ---------------------------------------------------------------------


def test_client_map_over_ten_thousand_inputs_in_batches(client: Any) -> None:
    rows = [(i, 3 * i) for i in range(10_000)]
    chunks = [rows[k : k + 500] for k in range(0, len(rows), 500)]
    results = client.gather(client.map(add.starmap, chunks))
    assert [r for chunk in results for r in chunk] == [4 * i for i in range(10_000)]
    names = [[f"n{i}" for i in range(k, k + 1000)] for k in range(0, 10_000, 1000)]
    greetings = client.gather(client.map(greet.map, names))
    assert [g for chunk in greetings for g in chunk] == [f"Hello, n{i}!" for i in range(10_000)]


def test_client_map_one_task_per_input(client: Any) -> None:
    # One task per input costs Dask a few milliseconds each, whatever the function: batches scale.
    xs = list(range(1000))
    assert client.gather(client.map(add, xs, xs)) == [2 * x for x in xs]
    assert client.submit(greet, "Ada").result() == "Hello, Ada!"


def test_both_workers_serve(client: Any) -> None:
    futures = client.map(burn, [2_000_000 + i for i in range(20)])
    distributed.wait(futures)
    where = {w for f in futures for w in client.who_has(f)[f.key]}
    assert len(where) == 2
    local = witbridge.load(BUSY)
    assert client.gather(futures) == [local.burn(2_000_000 + i) for i in range(20)]


# --- bags and dataframes -----------------------------------------------------------------------


def test_bag_map(client: Any) -> None:
    names = dask_bag.from_sequence([f"w{i}" for i in range(200)], npartitions=4)
    assert names.map(greet).compute() == [f"Hello, w{i}!" for i in range(200)]
    assert names.map_partitions(greet.map).compute() == [f"Hello, w{i}!" for i in range(200)]


def test_dataframe_map_partitions_through_the_bulk_path(client: Any) -> None:
    frame = pd.DataFrame({"x": np.arange(100_000, dtype=np.float64) / 8})
    ddf = dask_dataframe.from_pandas(frame, npartitions=4)
    out = ddf.map_partitions(doubled_column).compute()
    assert out["y"].to_numpy().tolist() == (frame["x"] * 2).tolist()
    sums = ddf.map_partitions(partition_sum, meta=(None, "f8")).compute()
    assert sums.sum() == frame["x"].sum()


# --- failures ----------------------------------------------------------------------------------


def test_a_trap_is_the_tasks_exception_and_the_worker_serves_on(client: Any) -> None:
    before = pids(client)
    worker = next(iter(before))
    with pytest.raises(witbridge.Trap) as remote:
        client.submit(trap, "boom", workers=[worker], pure=False).result()
    with pytest.raises(witbridge.Trap) as local:
        witbridge.load(VALUES).values.trap("boom")
    assert (remote.value.code, remote.value.message) == (local.value.code, local.value.message)
    assert "wasm backtrace" in str(remote.value)
    # The same worker process runs the next task, in a fresh instance.
    assert client.submit(add, 20, 22, workers=[worker]).result() == 42
    assert pids(client) == before


def test_limits_hold_on_the_workers(client: Any) -> None:
    spin = witbridge.PortableFunction(BUSY, "spin", limits=witbridge.Limits(timeout=0.1))
    with pytest.raises(witbridge.Trap) as raised:
        client.submit(spin).result()
    assert raised.value.code == "timeout"
    frugal = witbridge.PortableFunction(BUSY, "burn", limits=witbridge.Limits(fuel=50_000))
    with pytest.raises(witbridge.Trap) as raised:
        client.submit(frugal, 10**9).result()
    assert raised.value.code == "out_of_fuel"
    small = witbridge.PortableFunction(BUSY, "grow", limits=witbridge.Limits(max_memory=8 * 65536))
    with pytest.raises(witbridge.Trap) as raised:
        client.submit(small, 100).result()
    assert raised.value.code == "memory_limit"


def test_a_killed_worker_s_tasks_run_elsewhere(client: Any) -> None:
    inputs = [5_000_000 + i for i in range(120)]  # about 10 ms each
    local = witbridge.load(BUSY)
    expected = [local.burn(n) for n in inputs]
    victim_address, victim = next(iter(pids(client).items()))
    futures = client.map(burn, inputs, pure=False)
    deadline = time.monotonic() + 60
    while sum(f.done() for f in futures) < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.processing()[victim_address], "the kill must come while the worker holds tasks"
    os.kill(victim, signal.SIGKILL)
    assert client.gather(futures) == expected
    client.wait_for_workers(2, timeout=60)
    assert victim not in pids(client).values(), "the nanny started a new worker process"
    assert client.submit(add, 1, 2, pure=False).result() == 3
