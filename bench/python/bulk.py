"""One identity change on a fleet of VMs from Python: msi_identity's bulk engine against the loop a Python user
writes today with the official SDK, in one run, on the same in-process emulator (real HTTPS, throttling off so
that both run as fast as they can).

- msi_identity: `client.bulk_vm({"action": "assign"}, resource_group=G)` (and `"remove"`), iterated to the end:
  one list per 100 VMs, one PATCH with If-Match per VM, 32 at a time, paced to the budget;
- azure-mgmt-compute: a ThreadPoolExecutor of 32 threads, each VM `get` then `begin_update(..., etag=...,
  match_condition=IfNotModified, polling_interval=0).result()`.

Rounds alternate which client goes first (interleaved) and the direction (on, off); figures are medians in
seconds and the ratio azure-mgmt-compute / msi_identity. Run with `bench/python/run.sh bulk [--vms N]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vms", type=int, default=500, help="VMs in the fleet (default 500)")
    p.add_argument("--rounds", type=int, default=6, help="changes per client (default 6: on, off, ...)")
    a = p.parse_args()

    from azure.core import MatchConditions
    from azure.identity import ClientSecretCredential
    from azure.mgmt.compute import ComputeManagementClient

    import msi_identity
    from msi_identity import emulator

    print(f"msi_identity {msi_identity.__version__}, {a.vms} VMs, {a.rounds} rounds per client")
    with emulator.Emulator(throttle="off") as emu:
        os.environ["REQUESTS_CA_BUNDLE"] = emu.ca_cert_path
        ours = emu.client()
        for g in ("fleet-msi", "fleet-sdk"):
            ours.create_resource_group(g, "westus")
        t0 = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: ours.create_vm(f"fleet-{'msi' if i % 2 else 'sdk'}", f"vm{i // 2}",
                                                   image="UbuntuLTS"), range(2 * a.vms)))
        print(f"stored {2 * a.vms} VMs in {time.perf_counter() - t0:.1f} s")

        credential = ClientSecretCredential(
            emu.tenant_id, emu.admin_client_id, emu.admin_client_secret,
            authority=emu.endpoint, disable_instance_discovery=True,
        )
        sdk = ComputeManagementClient(
            credential, emu.subscription_id, base_url=emu.endpoint,
            credential_scopes=["https://management.azure.com/.default"],
        )
        names = [f"vm{i}" for i in range(a.vms)]

        def msi_change(on: bool) -> None:
            results = list(ours.bulk_vm({"action": "assign" if on else "remove"}, resource_group="fleet-msi"))
            assert len(results) == a.vms and all(r["status"] == "changed" for r in results), results[:3]

        def sdk_one(name: str, on: bool) -> None:
            vm = sdk.virtual_machines.get("fleet-sdk", name)
            poller = sdk.virtual_machines.begin_update(
                "fleet-sdk", name, {"identity": {"type": "SystemAssigned" if on else "None"}},
                etag=vm.etag, match_condition=MatchConditions.IfNotModified, polling_interval=0,
            )
            poller.result()

        def sdk_change(on: bool) -> None:
            with ThreadPoolExecutor(32) as pool:
                list(pool.map(lambda n: sdk_one(n, on), names))

        times: dict[str, list[float]] = {"msi": [], "sdk": []}
        for r in range(a.rounds):
            on = r % 2 == 0
            order = (("msi", msi_change), ("sdk", sdk_change)) if r % 2 == 0 else (("sdk", sdk_change), ("msi", msi_change))
            for label, fn in order:
                t = time.perf_counter()
                fn(on)
                times[label].append(time.perf_counter() - t)
        m, s = statistics.median(times["msi"]), statistics.median(times["sdk"])
        print(f"\nsystem identity on/off across {a.vms} VMs, median of {a.rounds} (s)")
        print(f"  anchor: azure-mgmt-compute, 32 threads   {s:8.2f}   ({' '.join(f'{x:.2f}' for x in times['sdk'])})")
        print(f"  msi_identity bulk_vm                     {m:8.2f}   ({' '.join(f'{x:.2f}' for x in times['msi'])})")
        print(f"  ratio azure-mgmt-compute / msi_identity: {s / m:.1f}x; msi_identity {a.vms / m:.0f} VMs/s")


if __name__ == "__main__":
    main()
