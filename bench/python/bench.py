"""msi_identity against azure-mgmt-compute, in one run, on the same in-process emulator (real HTTPS):

1. import time: `import msi_identity` against `from azure.mgmt.compute import ComputeManagementClient`, each in a
   fresh interpreter, median of N, raw and net of the interpreter's own start-up;
2. one identity change on a warm client: toggling a VM's system-assigned identity on and off.
   - msi_identity: `vm_identity_assign` / `vm_identity_remove` (core reads, plans, PATCHes with If-Match, waits
     for the operation, reads back);
   - azure-mgmt-compute, doing the same correct change: GET, then
     `begin_update(..., {"identity": {"type": ...}}, etag=..., match_condition=IfNotModified, polling_interval=0)
     .result()`, with an azure-identity credential and REQUESTS_CA_BUNDLE.

Figures are medians (milliseconds) and ratios (azure-mgmt-compute / msi_identity). Run with bench/python/run.sh.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time


def import_times(n: int) -> dict[str, float]:
    cases = {
        "python -c pass": "pass",
        "import msi_identity": "import msi_identity",
        "from azure.mgmt.compute import ComputeManagementClient": "from azure.mgmt.compute import ComputeManagementClient",
    }
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(n):  # interleaved, so drift hits every case alike
        for name, code in cases.items():
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times[name].append((time.perf_counter() - t0) * 1000)
    return {k: statistics.median(v) for k, v in times.items()}


def has_system(identity: object) -> bool:
    t = getattr(identity, "type", None)
    return "SystemAssigned" in str(getattr(t, "value", t))


def identity_changes(n: int, warmup: int) -> tuple[float, float]:
    from azure.core import MatchConditions
    from azure.identity import ClientSecretCredential
    from azure.mgmt.compute import ComputeManagementClient

    from msi_identity import emulator

    # Throttling off: the figure is the clients' own cost, not ARM's write budget.
    with emulator.Emulator(throttle="off") as emu:
        os.environ["REQUESTS_CA_BUNDLE"] = emu.ca_cert_path
        ours = emu.client()
        ours.create_resource_group("bench", "westus")
        ours.create_vm("bench", "vm-msi", image="UbuntuLTS")
        ours.create_vm("bench", "vm-sdk", image="UbuntuLTS")

        credential = ClientSecretCredential(
            emu.tenant_id, emu.admin_client_id, emu.admin_client_secret,
            authority=emu.endpoint, disable_instance_discovery=True,
        )
        sdk = ComputeManagementClient(
            credential, emu.subscription_id, base_url=emu.endpoint,
            credential_scopes=["https://management.azure.com/.default"],
        )

        state = {"msi": False}

        def msi_toggle() -> None:
            if state["msi"]:
                r = ours.vm_identity_remove("bench", "vm-msi")
            else:
                r = ours.vm_identity_assign("bench", "vm-msi")
            assert r.changed
            state["msi"] = not state["msi"]

        def sdk_toggle() -> None:
            vm = sdk.virtual_machines.get("bench", "vm-sdk")
            on = has_system(vm.identity)
            poller = sdk.virtual_machines.begin_update(
                "bench", "vm-sdk", {"identity": {"type": "None" if on else "SystemAssigned"}},
                etag=vm.etag, match_condition=MatchConditions.IfNotModified, polling_interval=0,
            )
            result = poller.result()
            assert has_system(result.identity) != on

        for _ in range(warmup):
            msi_toggle()
            sdk_toggle()
        msi: list[float] = []
        theirs: list[float] = []
        for i in range(n):
            for fn, out in ((msi_toggle, msi), (sdk_toggle, theirs)) if i % 2 == 0 else ((sdk_toggle, theirs), (msi_toggle, msi)):
                t0 = time.perf_counter()
                fn()
                out.append((time.perf_counter() - t0) * 1000)
        # Both ended as they were checked: the emulator agrees with each client's view.
        assert ours.vm_identity_show("bench", "vm-msi").system_assigned == state["msi"]
        return statistics.median(msi), statistics.median(theirs)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--imports", type=int, default=15, help="fresh interpreters per import case (default 15)")
    p.add_argument("--changes", type=int, default=60, help="identity changes per client (default 60)")
    p.add_argument("--warmup", type=int, default=6)
    a = p.parse_args()

    import msi_identity

    print(f"msi_identity {msi_identity.__version__} ({msi_identity._native.__file__}), Python {sys.version.split()[0]}")
    t = import_times(a.imports)
    base = t["python -c pass"]
    ours, theirs = t["import msi_identity"], t["from azure.mgmt.compute import ComputeManagementClient"]
    print(f"\nimport time, fresh interpreter, median of {a.imports} (ms)")
    print(f"  python -c pass                                          {base:8.1f}")
    print(f"  import msi_identity                                     {ours:8.1f}   net {ours - base:7.1f}")
    print(f"  from azure.mgmt.compute import ComputeManagementClient  {theirs:8.1f}   net {theirs - base:7.1f}")
    print(f"  ratio azure-mgmt-compute / msi_identity: raw {theirs / ours:.1f}x, net {(theirs - base) / max(ours - base, 0.01):.1f}x")

    m, s = identity_changes(a.changes, a.warmup)
    print(f"\nidentity change on a warm client (system identity on/off, one VM each), median of {a.changes} (ms)")
    print(f"  msi_identity        {m:8.2f}")
    print(f"  azure-mgmt-compute  {s:8.2f}")
    print(f"  ratio azure-mgmt-compute / msi_identity: {s / m:.1f}x")


if __name__ == "__main__":
    main()
