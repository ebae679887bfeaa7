// Prebuilt binaries, the napi-rs way: `napi.targets` in package.json, one npm/<platform>/ package per target
// (made by `napi create-npm-dirs`), published with the root package by `napi pre-publish` (which adds them as its
// optionalDependencies). Only linux-x64-gnu is built here; for the others the packaging is checked.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { require, pkgDir } from './helpers.mjs'

const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'))

// target triple -> npm/ directory (napi's platform-arch-abi), os, cpu, libc
const TARGETS = {
  'x86_64-unknown-linux-gnu': ['linux-x64-gnu', 'linux', 'x64', 'glibc'],
  'x86_64-unknown-linux-musl': ['linux-x64-musl', 'linux', 'x64', 'musl'],
  'aarch64-unknown-linux-gnu': ['linux-arm64-gnu', 'linux', 'arm64', 'glibc'],
  'aarch64-unknown-linux-musl': ['linux-arm64-musl', 'linux', 'arm64', 'musl'],
  'x86_64-apple-darwin': ['darwin-x64', 'darwin', 'x64', undefined],
  'aarch64-apple-darwin': ['darwin-arm64', 'darwin', 'arm64', undefined],
  'x86_64-pc-windows-msvc': ['win32-x64-msvc', 'win32', 'x64', undefined],
}

test('package.json declares every platform napi-rs users expect, and publishes them with napi pre-publish', () => {
  assert.deepEqual([...pkg.napi.targets].sort(), Object.keys(TARGETS).sort())
  assert.equal(pkg.napi.binaryName, 'msi-identity')
  assert.match(pkg.scripts.prepublishOnly, /^napi pre-publish\b/)
})

test('each target has its npm/ package: name, version, binary, os/cpu/libc', () => {
  const dirs = fs.readdirSync(path.join(pkgDir, 'npm')).sort()
  assert.deepEqual(dirs, Object.values(TARGETS).map(([d]) => d).sort())
  const loader = fs.readFileSync(path.join(pkgDir, 'index.js'), 'utf8')
  for (const [dir, os, cpu, libc] of Object.values(TARGETS)) {
    const p = JSON.parse(fs.readFileSync(path.join(pkgDir, 'npm', dir, 'package.json'), 'utf8'))
    assert.equal(p.name, `${pkg.name}-${dir}`)
    assert.equal(p.version, pkg.version, `${dir}: run napi version after changing the version`)
    assert.equal(p.main, `${pkg.napi.binaryName}.${dir}.node`)
    assert.deepEqual(p.files, [p.main])
    assert.deepEqual([p.os, p.cpu, p.libc], [[os], [cpu], libc && [libc]])
    // the generated loader tries the local file, then the platform package
    assert.ok(loader.includes(`require('./${p.main}')`), `${dir}: local binary`)
    assert.ok(loader.includes(`require('${p.name}')`), `${dir}: platform package`)
  }
})

test('the loader finds the binary built here (linux-x64-gnu) next to index.js', { skip: process.platform !== 'linux' || process.arch !== 'x64' }, () => {
  require('msi-identity')
  const loaded = Object.keys(require.cache).filter((f) => f.endsWith('.node'))
  assert.deepEqual(loaded, [path.join(pkgDir, 'msi-identity.linux-x64-gnu.node')])
  assert.equal(require('../index.js').__napiBindingTarget, 'native')
})

test('npm pack: the root package holds the JS entries and types, the binaries go in the platform packages', () => {
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkgDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))
  const files = packed.files.map((f) => f.path).sort()
  for (const f of ['index.js', 'index.d.ts', 'lib/index.js', 'lib/index.mjs', 'lib/index.d.ts', 'lib/index.d.mts', 'lib/errors.js', 'package.json', 'README.md']) {
    assert.ok(files.includes(f), `${f} is packed`)
  }
  assert.deepEqual(files.filter((f) => f.endsWith('.node') || f.startsWith('npm/') || f.startsWith('src/')), [])
})
