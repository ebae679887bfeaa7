// The hand-written lib/index.d.ts and the generated index.d.ts declare exactly what lib/index.js exports.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { msi, pkgDir } from './helpers.mjs'

/** Declared by the generated index.d.ts but not exported by the package's entry (lib/index.js). */
const INTERNAL = ['AbortHandle', 'BulkHandle', '__napiBindingTarget']

function declared(file) {
  const text = fs.readFileSync(path.join(pkgDir, file), 'utf8')
  const names = new Set()
  for (const m of text.matchAll(/^export declare (?:class|const|function) (\w+)/gm)) names.add(m[1])
  for (const m of text.matchAll(/^export \{ (\w+) \} from/gm)) names.add(m[1])
  return names
}

test('every runtime export is declared, every declared value is exported', () => {
  const names = new Set([...declared('index.d.ts'), ...declared('lib/index.d.ts')])
  for (const n of INTERNAL) names.delete(n)
  const exported = new Set(Object.keys(msi).filter((k) => !INTERNAL.includes(k)))
  assert.deepEqual([...exported].sort(), [...names].sort())
  assert.equal(msi.AbortHandle, undefined)
})

test('the native classes are the generated ones, with typed errors', () => {
  for (const name of ['MsiClient', 'ManagedIdentityCredential', 'DefaultAzureCredential', 'Emulator']) {
    assert.equal(typeof msi[name], 'function', name)
  }
  assert.throws(() => new msi.MsiClient(null, { subscriptionId: 's' }), msi.InvalidArgumentError)
})

test('the ErrorKind type follows the kinds of core (errorKinds()), each with its class', () => {
  const kinds = msi.errorKinds()
  assert.ok(kinds.includes('not_found') && kinds.includes('invalid_argument'))
  const text = fs.readFileSync(path.join(pkgDir, 'index.d.ts'), 'utf8')
  const union = text.match(/export type ErrorKind =((?:\s*\|\s*'\w+')+)/)
  assert.ok(union, 'index.d.ts declares ErrorKind')
  assert.deepEqual([...union[1].matchAll(/'(\w+)'/g)].map((m) => m[1]).sort(), [...kinds].sort())
  for (const kind of kinds) {
    const C = msi.classFor(kind)
    assert.ok(C && C.prototype instanceof msi.MsiIdentityError, kind)
    assert.equal(C.kind, kind)
  }
})
