// Shared by the tests: the package under test (its public entry), an in-memory emulator per test file, and a
// way to run a Node child with the emulator's environment (NODE_EXTRA_CA_CERTS is read at start-up only).
import { createRequire } from 'node:module'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

export const require = createRequire(import.meta.url)
export const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const msi = require(pkgDir)

let n = 0
/** A fresh name, so tests sharing an emulator never collide. */
export function unique(prefix) {
  n += 1
  return `${prefix}${process.pid}x${n}`
}

/**
 * Start an emulator for a test file; stop it after (pass `after` from node:test). ARM's write budget (200, then
 * 10 a second) is off unless `options.throttle` says otherwise: a file's tests share one emulator.
 */
export async function startEmulator(after, options) {
  const emulator = await msi.Emulator.start({ throttle: 'off', ...options })
  after(() => emulator.stop())
  return emulator
}

/**
 * Run `node -e script` (CommonJS unless `nodeArgs` has `--input-type=module`; the package resolvable) with `env`
 * added; resolves to { code, stdout, stderr }.
 */
export function runNode(script, env = {}, timeoutMs = 60_000, nodeArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, '-e', script], {
      cwd: pkgDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

const hookTokens = new Map()

/** The admin's token for the test hooks, fetched once per emulator. */
async function hookToken(emulator) {
  if (!hookTokens.has(emulator.endpoint)) hookTokens.set(emulator.endpoint, (await adminToken(emulator)).token)
  return hookTokens.get(emulator.endpoint)
}

/** The emulator's test hooks (with the admin's token), over HTTPS with its CA. */
export async function hook(emulator, method, path, body) {
  const https = await import('node:https')
  const authorization = `Bearer ${await hookToken(emulator)}`
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${emulator.endpoint}${path}`,
      { method, ca: emulator.caCertPem, headers: { 'content-type': 'application/json', authorization } },
      (res) => {
        let text = ''
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null }))
      },
    )
    req.on('error', reject)
    if (body !== undefined) req.write(JSON.stringify(body))
    req.end()
  })
}

/** A minimal VM model, as a caller-supplied ARM model. */
export function vmModel(location = 'westus') {
  return {
    location,
    properties: {
      hardwareProfile: { vmSize: 'Standard_DS1_v2' },
      storageProfile: {
        imageReference: { publisher: 'Canonical', offer: 'UbuntuServer', sku: '18.04-LTS', version: 'latest' },
      },
      osProfile: { computerName: 'vm', adminUsername: 'azureuser' },
      networkProfile: { networkInterfaces: [] },
    },
  }
}

/** An access token for the emulator's admin service principal, straight from its Entra endpoint. */
export async function adminToken(emulator, scope = 'https://management.azure.com/.default') {
  const https = await import('node:https')
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: emulator.adminClientId,
    client_secret: emulator.adminClientSecret,
    scope,
  }).toString()
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${emulator.endpoint}/${emulator.tenantId}/oauth2/v2.0/token`,
      { method: 'POST', ca: emulator.caCertPem, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      (res) => {
        let text = ''
        res.on('data', (d) => (text += d))
        res.on('end', () => {
          const b = JSON.parse(text)
          if (res.statusCode !== 200) return reject(new Error(text))
          resolve({ token: b.access_token, expiresOnTimestamp: Date.now() + b.expires_in * 1000 })
        })
      },
    )
    req.on('error', reject)
    req.end(form)
  })
}
