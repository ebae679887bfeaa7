"""The same with asyncio: msi_identity.aio has the same names; an azure.identity.aio credential works too."""

import asyncio

from msi_identity.aio import ManagedIdentityClient


async def main() -> None:
    async with ManagedIdentityClient() as client:
        await client.create_resource_group("asyncGroup", "westus")
        vms = [client.create_vm("asyncGroup", f"vm{i}", image="UbuntuLTS") for i in range(4)]
        await asyncio.gather(*vms)
        updates = await asyncio.gather(*(client.vm_identity_assign("asyncGroup", f"vm{i}") for i in range(4)))
        print(sorted(u.identity.type for u in updates))


asyncio.run(main())
