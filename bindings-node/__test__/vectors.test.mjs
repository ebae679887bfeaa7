// The shared table of cases (tests/vectors/identity-cases.json), run through the public JS API against the
// in-process emulator. Every face runs the same file and must give the same outcomes; the reference runner is
// tests/tests/vectors.rs (the same setup: groups rg and rg2, identities id1 and id2, one resource per case named
// from its index, made first with the case's start identity).
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { msi, pkgDir, startEmulator } from './helpers.mjs'

const FACE = 'node'
const table = JSON.parse(fs.readFileSync(path.join(pkgDir, '..', 'tests', 'vectors', 'identity-cases.json'), 'utf8'))

/** `{sub}` in every string of `v`. */
function fill(v, sub) {
  if (typeof v === 'string') return v.replaceAll('{sub}', sub)
  if (Array.isArray(v)) return v.map((x) => fill(x, sub))
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, sub)]))
  return v
}

const sorted = (names) => names.map((n) => n.toLowerCase()).sort()
const lastSegment = (id) => id.split('/').pop()

/** The table's shape of a JS `Identity` ({ type, userAssignedIdentities: { [id]: { principalId, clientId } } }). */
function shape(identity) {
  return {
    system: identity.type.includes('SystemAssigned'),
    user: sorted(Object.keys(identity.userAssignedIdentities).map(lastSegment)),
  }
}

/** The same from a resource's ARM `identity` (what create resolves to). */
function shapeOfResource(resource) {
  const i = resource.identity ?? {}
  return {
    system: (i.type ?? 'None').includes('SystemAssigned'),
    user: sorted(Object.keys(i.userAssignedIdentities ?? {}).map(lastSegment)),
  }
}

function normalise(expect) {
  return Array.isArray(expect.user) ? { ...expect, user: sorted(expect.user) } : expect
}

/** One case's op, spelled with the public API: the VM or VMSS method of the same name, `args` as its options. */
async function run(client, c, rg, name) {
  const K = c.kind === 'vmss' ? 'Vmss' : 'Vm'
  const a = c.args
  switch (c.op) {
    case 'assign':
      return shape((await client[`assign${K}Identity`](rg, name, a)).identity)
    case 'remove':
      return shape((await client[`remove${K}Identity`](rg, name, a)).identity)
    case 'set':
      return shape((await client[`set${K}Identity`](rg, name, a)).identity)
    case 'show':
      return shape(await client[`show${K}Identity`](rg, name))
    case 'create':
      return shapeOfResource(await client[`create${K}`](rg, name, a))
    case 'extension_set': {
      const r = await client[`set${K}MsiExtension`](rg, name, a)
      return { extension: { name: lastSegment(r.name), port: r.properties.settings.port } }
    }
    case 'extension_delete':
      return { deleted: await client[`delete${K}Extension`](rg, name, a.name) }
    case 'identity_show': {
      const u = a.id === undefined ? await client.getUserIdentity(a.resourceGroup, a.name) : await client.getUserIdentityById(a.id)
      return { identityName: u.name }
    }
    default:
      throw new Error(`unknown op ${c.op}`)
  }
}

test('every case of the shared table gives the expected outcome', async () => {
  const emulator = await startEmulator(after)
  const client = emulator.client()
  const { location, groups, identities } = table.setup
  for (const g of groups) await client.createResourceGroup(g, location)
  for (const i of identities) await client.createUserIdentity(i.group, i.name)
  const sub = emulator.subscriptionId

  const failures = []
  let ran = 0
  let skipped = 0
  for (const [n, raw] of table.cases.entries()) {
    if (raw.skip?.[FACE] !== undefined) {
      skipped += 1
      continue
    }
    ran += 1
    const c = fill(raw, sub)
    const name = `case${n}`
    const rg = c.group ?? 'rg'
    const K = c.kind === 'vmss' ? 'Vmss' : 'Vm'
    const label = `${n} ${c.name} [${c.kind}]`
    if (c.start) {
      const refs = [...c.start.user, ...(c.start.system ? ['[system]'] : [])]
      await client[`create${K}`](rg, name, refs.length ? { assignIdentity: refs } : {})
    }
    let outcome
    try {
      outcome = await run(client, c, rg, name)
    } catch (e) {
      if (!(e instanceof msi.MsiIdentityError)) {
        failures.push(`${label}: threw a non-MsiIdentityError: ${e?.stack ?? e}`)
        continue
      }
      // An error changes nothing: the identity is still the starting one.
      if (c.start) {
        const now = shape(await client[`show${K}Identity`](rg, name))
        if (!isDeepStrictEqual(now, normalise(c.start))) {
          failures.push(`${label}: failed with ${e.kind} but changed the identity to ${JSON.stringify(now)}`)
        }
      }
      outcome = { error: e.kind, message: e.message }
    }
    const expect = normalise(c.expect)
    const matches = 'error' in expect ? outcome.error === expect.error : isDeepStrictEqual(outcome, expect)
    if (!matches) failures.push(`${label}: expected ${JSON.stringify(expect)}, got ${JSON.stringify(outcome)}`)
  }
  assert.ok(ran > 0)
  assert.equal(
    failures.length,
    0,
    `${failures.length} of ${ran} cases differ (${skipped} skipped for ${FACE}):\n${failures.join('\n')}`,
  )
})
