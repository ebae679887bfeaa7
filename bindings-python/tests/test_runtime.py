"""The runtime bridge (runtime.rs): one tokio runtime per process with named threads, the GIL released while Rust
works, many threads on one client, asyncio concurrency, and fork safety."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import unique
from msi_identity import _native, emulator


@pytest.fixture(scope="module")
def slow():
    """An emulator whose compute operations stay in progress for 300 ms."""
    with emulator.Emulator(lro_delay=0.3) as e:
        yield e


def thread_names() -> list[str]:
    names = []
    for t in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{t}/comm") as f:
            names.append(f.read().strip())
    return names


def runtime_threads() -> int:
    return thread_names().count(_native.RUNTIME_THREAD_NAME)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_one_runtime_with_named_threads(emu, group):
    for _ in range(5):
        emu.client().get_resource_group(group)
        asyncio.run(_aio_get(emu, group))
    names = thread_names()
    # Workers and the blocking pool carry the binding's name; no other runtime (tokio's default names) exists.
    assert names.count(_native.RUNTIME_THREAD_NAME) >= 2
    assert not any(n.startswith("tokio-runtime") for n in names), names


async def _aio_get(emu, group):
    return await emu.aio_client().get_resource_group(group)


def test_sixteen_threads_on_one_client(emu, client, group):
    client.create_vm(group, "shared", image="UbuntuLTS")
    names = [f"uai{i:02d}" for i in range(16)]
    for n in names:
        client.create_user_identity(group, n)

    def work(n):
        # Every thread adds its own identity to the same VM (core re-plans after each 412) and reads.
        upd = client.vm_identity_assign(group, "shared", identities=[n])
        client.get_user_identity(group, n)
        return upd.changed

    with ThreadPoolExecutor(16) as pool:
        assert all(pool.map(work, names))
    ids = sorted(u.id.rsplit("/", 1)[1] for u in client.vm_identity_show(group, "shared").user_assigned_identities)
    assert ids == names


def test_gil_released_during_a_slow_call(slow):
    c = slow.client()
    c.create_resource_group("rg", "westus")
    c.create_vm("rg", "vm", image="UbuntuLTS")
    ticks = 0
    stop = threading.Event()

    def count():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    t = threading.Thread(target=count)
    t.start()
    time.sleep(0.1)
    rate = ticks / 0.1  # counts per second while the main thread sleeps (GIL free)
    before, t0 = ticks, time.perf_counter()
    c.vm_identity_assign("rg", "vm")  # at least 300 ms in Rust
    elapsed, during = time.perf_counter() - t0, ticks - before
    stop.set()
    t.join()
    assert elapsed >= 0.3
    # Held GIL: the counter would run one switch interval (5 ms) at most.
    assert during > 0.25 * rate * elapsed, (during, rate, elapsed)


def test_event_loop_runs_during_an_aio_call(slow):
    async def go():
        c = slow.aio_client()
        await c.create_resource_group("rg2", "westus")
        await c.create_vm("rg2", "vm", image="UbuntuLTS")
        ticks = 0

        async def tick():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        t0 = time.perf_counter()
        # Two slow calls at once: they overlap.
        await asyncio.gather(c.vm_identity_assign("rg2", "vm"), c.get_vm("rg2", "vm"))
        elapsed = time.perf_counter() - t0
        ticker.cancel()
        return ticks, elapsed

    ticks, elapsed = asyncio.run(go())
    assert elapsed >= 0.3 and ticks >= 10


def test_aio_cancellation_leaves_the_client_usable(slow):
    async def go():
        c = slow.aio_client()
        await c.create_resource_group("rg3", "westus")
        await c.create_vm("rg3", "vm", image="UbuntuLTS")
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(c.vm_identity_assign("rg3", "vm"), 0.05)
        return await c.get_resource_group("rg3")

    assert asyncio.run(go())["name"] == "rg3"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")
def test_fork_child_uses_the_client(emu, client, group):
    client.get_resource_group(group)  # the parent's runtime and connection pool exist now
    aio = emu.aio_client()
    asyncio.run(aio.get_resource_group(group))
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            os.close(r)
            g = client.get_resource_group(group)["name"]
            u = client.create_user_identity(group, "fromChild").name
            a = asyncio.run(aio.get_user_identity(group, "fromChild")).name
            os.write(w, json.dumps([g, u, a, runtime_threads() if sys.platform.startswith("linux") else 2]).encode())
            code = 0
        except BaseException as e:  # noqa: BLE001 - report anything to the parent
            os.write(w, repr(e).encode())
        finally:
            os._exit(code)
    os.close(w)
    deadline = time.time() + 60
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.time() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung")
        time.sleep(0.02)
    out = os.read(r, 65536).decode()
    os.close(r)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, out
    g, u, a, threads = json.loads(out)
    assert (g, u, a) == (group, "fromChild", "fromChild") and threads >= 2
    # The parent goes on with its own runtime.
    assert client.get_user_identity(group, "fromChild").name == "fromChild"
