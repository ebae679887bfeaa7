// The package as an ES module, imported by name (a self-reference: the package's "exports" map, as an installed
// copy resolves it): named exports, the same objects as `require` gives, and the README's example, run as is.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import * as ns from 'msi-identity'
import msiDefault, { MsiClient, Emulator, ResourceNotFoundError, DefaultAzureCredential } from 'msi-identity'
import { require, pkgDir, runNode } from './helpers.mjs'

test('the named exports of the ES module entry are exactly those of the CommonJS entry, the same objects', () => {
  const cjs = require('msi-identity')
  const named = Object.keys(ns).filter((k) => k !== 'default')
  assert.deepEqual(named.sort(), Object.keys(cjs).sort())
  for (const k of named) assert.equal(ns[k], cjs[k], k)
  assert.equal(msiDefault, cjs)
  assert.equal(MsiClient, cjs.MsiClient)
  assert.equal(typeof Emulator.start, 'function')
  assert.equal(typeof DefaultAzureCredential, 'function')
  assert.ok(new ResourceNotFoundError('m') instanceof cjs.MsiIdentityError)
})

test("package.json's exports give `import` the ES module and `require` the CommonJS entry, each with its types", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'))
  const root = pkg.exports['.']
  assert.deepEqual(Object.keys(root), ['import', 'require'])
  assert.deepEqual(root.import, { types: './lib/index.d.mts', default: './lib/index.mjs' })
  assert.deepEqual(root.require, { types: './lib/index.d.ts', default: './lib/index.js' })
  for (const f of [root.import.types, root.import.default, root.require.types, root.require.default]) {
    assert.ok(fs.existsSync(path.join(pkgDir, f)), f)
  }
  assert.equal(require.resolve('msi-identity'), path.join(pkgDir, 'lib', 'index.js'))
  assert.equal(import.meta.resolve('msi-identity'), `file://${path.join(pkgDir, 'lib', 'index.mjs')}`)
})

test("the README's ES module example runs as written", async () => {
  const readme = fs.readFileSync(path.join(pkgDir, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1])
  const example = blocks.find((b) => b.includes("from 'msi-identity'"))
  assert.ok(example, 'the README has a ```js block importing msi-identity')
  const r = await runNode(example, {}, 60_000, ['--input-type=module'])
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /SystemAssigned/)
})
