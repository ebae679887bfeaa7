// Compiled (not run) by `npm run typecheck`: the public API as a TypeScript user writes it, with `require` (this
// file is CommonJS; usage.mts is the ES module form). A drift between
// lib/index.d.ts, the generated index.d.ts and what users write fails here.
import {
  Emulator,
  MsiClient,
  ManagedIdentityCredential,
  MsiIdentityError,
  ResourceNotFoundError,
  ResourceExistsError,
  ResourceModifiedError,
  ClientAuthorizationError,
  InvalidArgumentError,
  HttpResponseError,
  DefaultAzureCredential,
  AbortError,
  errorKinds,
  classFor,
  type TokenCredential,
  type AccessToken,
  type Identity,
  type IdentityUpdate,
  type AssignIdentityUpdate,
  type UserIdentity,
  type RoleAssignment,
  type ErrorKind,
  type OperationOptions,
  type UserAssignedIdentitiesValue,
  BulkRun,
  type BulkResult,
  type BulkProgress,
  type DesiredPlan,
  type ApplyDesiredOptions,
} from 'msi-identity'
import { isRestError, type RestError } from '@azure/core-rest-pipeline'
import type { TokenCredential as CoreAuthTokenCredential } from '@azure/core-auth'

async function main(): Promise<void> {
  const emulator: Emulator = await Emulator.start({ lroDelayMs: 0 })
  const env: Record<string, string> = { ...emulator.env() }
  const client: MsiClient = emulator.client()
  await client.createResourceGroup('rg', 'westus')
  const uai: UserIdentity = await client.createUserIdentity('rg', 'uai1', { tags: { team: 'x' } })
  await client.createVm('rg', 'vm', { image: 'UbuntuLTS', systemAssigned: true, userAssigned: [uai.id] })
  const shown: Identity = await client.showVmIdentity('rg', 'vm', { abortSignal: AbortSignal.timeout(1000) })
  const byArmId: Record<string, UserAssignedIdentitiesValue> = shown.userAssignedIdentities
  const clientIds: (string | undefined)[] = Object.values(byArmId).map((v) => v.clientId)
  const none: OperationOptions = {}
  await client.getVm('rg', 'vm', none)
  await client.assignVmIdentity('rg', 'vm', { identities: [uai.id], abortSignal: new AbortController().signal })
  const t: 'None' | 'SystemAssigned' | 'UserAssigned' | 'SystemAssigned, UserAssigned' = shown.type
  const u: IdentityUpdate = await client.setVmIdentity('rg', 'vm', { type: 'SystemAssigned', userAssigned: [] })
  const changed: boolean = u.changed
  // az's defaults are core's: no options is the system-assigned identity; [system] in the lists; role + scope
  const a: AssignIdentityUpdate = await client.assignVmIdentity('rg', 'vm')
  const granted: RoleAssignment | undefined = (
    await client.assignVmssIdentity('rg', 'ss', { identities: ['[system]', 'uai1'], role: 'Reader', scope: '/subscriptions/s/resourceGroups/rg' })
  ).roleAssignment
  const asUpdate: IdentityUpdate = a
  await client.removeVmIdentity('rg', 'vm')
  await client.createVmss('rg', 'ss2', { assignIdentity: [], instanceCount: 2, identityType: 'SystemAssigned' })
  await client.setVmMsiExtension('rg', 'vm', { name: 'ManagedIdentityExtensionForLinux', settings: { port: 50342 } })
  const byId: UserIdentity = await client.getUserIdentityById(uai.id)
  const kinds: ErrorKind[] = errorKinds()
  console.log(granted, asUpdate.changed, byId.name, kinds)
  await client.removeVmssIdentity('rg', 'ss', { allUserAssigned: true })
  await client.setVmMsiExtension('rg', 'vm', { type: 'ManagedIdentityExtensionForWindows', port: 50342 })
  const ra: RoleAssignment = await client.createRoleAssignment({ scope: '/subscriptions/s', role: 'Reader', principalId: uai.principalId! })
  const ras: RoleAssignment[] = await client.listRoleAssignments(ra.scope)
  const inSubscription: RoleAssignment[] = await client.listRoleAssignments()

  const mi = new ManagedIdentityCredential({ source: 'imds', endpoint: emulator.imdsBaseUrl(uai.id) })
  const tok: AccessToken = await mi.getToken('https://management.azure.com/.default')
  const asCredential: TokenCredential = mi // our credential has the @azure/core-auth shape
  const custom: TokenCredential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() }) }
  const c2 = new MsiClient(custom, { endpoint: emulator.endpoint, subscriptionId: emulator.subscriptionId, caCert: emulator.caCertPath })
  const c3 = MsiClient.fromEnv({ subscriptionId: 'x' }, asCredential)
  const dac = new DefaultAzureCredential({ excludeAzureCliCredential: true, caCert: emulator.caCertPem })
  const asCoreAuth: CoreAuthTokenCredential = dac // a @azure/core-auth TokenCredential
  const chosen: string | null | undefined = dac.chosen
  await dac.getToken('https://management.azure.com/.default', { abortSignal: AbortSignal.timeout(5000) })
  const c5 = new MsiClient(dac, { subscriptionId: 's' })
  console.log(clientIds, asCoreAuth, chosen, c5, classFor('not_found'))
  const c4 = MsiClient.fromSettings({ endpoint: 'https://127.0.0.1:1', subscriptionId: 's', accessToken: 't', retry: { maxRetries: 0 }, lroTimeoutMs: 60_000 })

  try {
    await c2.getVm('rg', 'missing')
  } catch (e) {
    if (e instanceof ResourceNotFoundError) {
      const code: string | undefined = e.code // the service's: 'ResourceNotFound'
      const kind: ErrorKind | undefined = e.kind
      const status: number | undefined = e.statusCode
      const requestId: string | undefined = e.requestId
      const fromHeaders: string | undefined = e.response?.headers.get('x-ms-request-id')
      const asRest: RestError = e
      console.log(code, kind, status, requestId, fromHeaders, asRest.request?.url, e.target)
    } else if (e instanceof ClientAuthorizationError && e.code === 'LinkedAuthorizationFailed') {
      console.log(e.message)
    } else if (e instanceof ResourceExistsError || e instanceof ResourceModifiedError || e instanceof InvalidArgumentError) {
      console.log(e.kind)
    } else if (e instanceof HttpResponseError || e instanceof AbortError) {
      console.log(e.name)
    } else if (isRestError(e) || e instanceof MsiIdentityError) {
      throw e
    }
  }
  const run: BulkRun = c2.bulkVm({ action: 'assign', identities: ['id1'] }, { resourceGroup: 'rg', tag: 'env=prod' }, {
    concurrency: 8,
    onProgress: (p: BulkProgress) => console.log(p.done, p.total, p.etaSeconds),
  })
  for await (const r of run) {
    const one: BulkResult = r
    if (r.status === 'failed' && r.error instanceof ResourceNotFoundError) console.log(r.error.code, one.id)
  }
  const total: number | undefined = run.total
  for await (const r of c2.bulkVmss({ action: 'set', type: 'SystemAssigned' }, { ids: ['/subscriptions/s/...'] })) {
    console.log(r.identity, total)
  }
  const plan: DesiredPlan = await c2.planDesired('targets: []\n', { source: 'identities.yaml' })
  if (plan.changes && plan.targets[0]?.status === 'update') console.log(plan.text, plan.summary.update)
  const applyOptions: ApplyDesiredOptions = { source: 'identities.yaml', concurrency: 4 }
  for await (const r of c2.applyDesired('targets: []\n', applyOptions)) console.log(r.status, r.detail)
  console.log(env, t, changed, ras.length, inSubscription.length, tok.expiresOnTimestamp, c3.endpoint, c4.subscriptionId)
  await emulator.stop()
}

void main
