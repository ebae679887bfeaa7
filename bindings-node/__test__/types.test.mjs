// The hand-written lib/index.d.ts and the generated index.d.ts declare exactly what lib/index.js exports.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { msi, pkgDir } from './helpers.mjs'

function declared(file) {
  const text = fs.readFileSync(path.join(pkgDir, file), 'utf8')
  const names = new Set()
  for (const m of text.matchAll(/^export declare (?:class|const|function) (\w+)/gm)) names.add(m[1])
  return names
}

test('every runtime export is declared, every declared value is exported', () => {
  const names = new Set([...declared('index.d.ts'), ...declared('lib/index.d.ts')])
  names.delete('__napiBindingTarget')
  const exported = new Set(Object.keys(msi).filter((k) => k !== '__napiBindingTarget'))
  assert.deepEqual([...exported].sort(), [...names].sort())
})

test('the native classes are the generated ones, with typed errors', () => {
  for (const name of ['MsiClient', 'ManagedIdentityCredential', 'Emulator']) {
    assert.equal(typeof msi[name], 'function', name)
  }
  assert.throws(() => new msi.MsiClient(null, { subscriptionId: 's' }), msi.InvalidArgumentError)
})

test('the ErrorKind type and the error classes follow the kinds of core (errorKinds())', () => {
  const kinds = msi.errorKinds()
  assert.ok(kinds.includes('not_found') && kinds.includes('invalid_argument'))
  const text = fs.readFileSync(path.join(pkgDir, 'index.d.ts'), 'utf8')
  const union = text.match(/export type ErrorKind =((?:\s*\|\s*'\w+')+)/)
  assert.ok(union, 'index.d.ts declares ErrorKind')
  assert.deepEqual([...union[1].matchAll(/'(\w+)'/g)].map((m) => m[1]).sort(), [...kinds].sort())
  for (const kind of kinds) {
    const classes = Object.values(msi).filter((C) => typeof C === 'function' && C.kind === kind && C.prototype instanceof msi.MsiIdentityError)
    assert.equal(new Set(classes).size, 1, kind)
    assert.equal(classes[0].code, `MSI_${kind.toUpperCase()}`)
  }
})
