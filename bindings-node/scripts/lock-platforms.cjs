#!/usr/bin/env node
// Run after `npm install` changes package-lock.json on a machine whose npm registry mirror serves only this
// platform's native packages: npm then leaves the other platforms' optional packages (@napi-rs/lzma-darwin-x64,
// ...) out of the lock, and `npm ci` refuses the lock as out of sync. This adds each missing one as the public
// registry would list it (version, optional, os/cpu/libc from its name), so `npm ci` works everywhere and skips
// the ones that are not for the machine it runs on.
'use strict'
const fs = require('node:fs')
const path = require('node:path')

const file = path.join(__dirname, '..', 'package-lock.json')
const lock = JSON.parse(fs.readFileSync(file, 'utf8'))
const pkgs = lock.packages
const OS = ['android', 'darwin', 'freebsd', 'linux', 'win32', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony']
const CPU = { x64: 'x64', arm64: 'arm64', arm: 'arm', ia32: 'ia32', ppc64: 'ppc64', riscv64: 'riscv64', s390x: 's390x', loong64: 'loong64', wasm32: 'wasm32', mips64el: 'mips64el' }

function platformOf(name) {
  const parts = name.split('/').pop().split('-')
  const entry = {}
  const os = parts.find((p) => OS.includes(p))
  if (os) entry.os = [os]
  const cpu = parts.find((p) => CPU[p])
  if (cpu) entry.cpu = [CPU[cpu]]
  if (os === 'linux' && parts.includes('musl')) entry.libc = ['musl']
  if (os === 'linux' && parts.includes('gnu')) entry.libc = ['glibc']
  return entry
}

let added = 0
for (const [where, meta] of Object.entries(pkgs)) {
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = `${where ? `${where}/` : ''}node_modules/${dep}`
    if (pkgs[nested] || pkgs[`node_modules/${dep}`]) continue
    pkgs[`node_modules/${dep}`] = { version, dev: meta.dev || undefined, optional: true, ...platformOf(dep) }
    added += 1
  }
}
const sorted = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)))
lock.packages = sorted
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`package-lock.json: ${added} platform packages added`)
