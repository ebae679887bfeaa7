// Compiled (not run) by `npm run typecheck`: the ES module form (`import` resolves lib/index.d.mts through
// package.json's exports). usage.ts has the whole API; this checks that the ESM types are the same.
import msi, { Emulator, MsiClient, DefaultAzureCredential, ResourceNotFoundError, AbortError, type Identity } from 'msi-identity'
import { isRestError } from '@azure/core-rest-pipeline'

const emulator: Emulator = await Emulator.start()
const client: MsiClient = emulator.client()
const identity: Identity = await client.showVmIdentity('rg', 'vm', { abortSignal: AbortSignal.timeout(1000) })
const ids: string[] = Object.keys(identity.userAssignedIdentities)
const same: typeof MsiClient = msi.MsiClient
const cred = new DefaultAzureCredential()
try {
  await client.getVm('rg', 'missing')
} catch (e) {
  if (e instanceof ResourceNotFoundError && isRestError(e)) console.log(e.code, e.statusCode, e.kind)
  else if (e instanceof AbortError) console.log(e.name)
}
console.log(ids, same, cred)
await emulator.stop()
