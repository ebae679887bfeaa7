// msi-identity (Node addon) vs @azure/arm-compute, on the same emulator, doing the same correct identity change:
// attach a user-assigned identity to a VM, then detach it (read, then PATCH the identity and wait for the
// operation). Also module load time in fresh processes. Prints medians and ratios (ours / theirs).
//
// The parent starts the emulator and the fixtures; the clients run in a child started with the emulator's
// environment (NODE_EXTRA_CA_CERTS is read at start-up only), so the emulator does not share their event loop.
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const self = fileURLToPath(import.meta.url)
const ITER = Number(process.env.BENCH_ITER ?? 200)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20)
const LOADS = Number(process.env.BENCH_LOADS ?? 15)
const RG = 'benchrg'

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const ms = (x) => `${x.toFixed(2)} ms`

async function child() {
  const { MsiClient } = require('msi-identity')
  const { ComputeManagementClient } = require('@azure/arm-compute')
  const { ClientSecretCredential } = require('@azure/identity')
  const e = process.env
  const ours = MsiClient.fromEnv()
  const cred = new ClientSecretCredential(e.AZURE_TENANT_ID, e.AZURE_CLIENT_ID, e.AZURE_CLIENT_SECRET, {
    authorityHost: e.MSI_ARM_ENDPOINT,
    disableInstanceDiscovery: true,
  })
  const theirs = new ComputeManagementClient(cred, e.AZURE_SUBSCRIPTION_ID, { endpoint: e.MSI_ARM_ENDPOINT })
  const uai = e.BENCH_UAI

  const oursOp = async (attach) =>
    attach
      ? ours.assignVmIdentity(RG, 'vmOurs', { userAssigned: [uai] })
      : ours.removeVmIdentity(RG, 'vmOurs', { userAssigned: [uai] })
  // What a careful @azure/arm-compute user writes: read, compute the new identity, update and wait.
  const theirsOp = async (attach) => {
    const vm = await theirs.virtualMachines.get(RG, 'vmTheirs')
    const system = /SystemAssigned/i.test(vm.identity?.type ?? '')
    const identity = attach
      ? { type: system ? 'SystemAssigned, UserAssigned' : 'UserAssigned', userAssignedIdentities: { [uai]: {} } }
      : { type: system ? 'SystemAssigned' : 'None', userAssignedIdentities: null }
    return theirs.virtualMachines.beginUpdateAndWait(RG, 'vmTheirs', { identity }, { updateIntervalInMs: 0 })
  }

  async function run(op) {
    const times = []
    for (let i = 0; i < WARMUP + ITER; i++) {
      const t0 = process.hrtime.bigint()
      await op(i % 2 === 0)
      const dt = Number(process.hrtime.bigint() - t0) / 1e6
      if (i >= WARMUP) times.push(dt)
    }
    return times
  }
  // Check both make the change before timing.
  await oursOp(true)
  const a = await theirsOp(true)
  const okTheirs = Object.keys(a.identity?.userAssignedIdentities ?? {}).some((k) => k.toLowerCase() === uai.toLowerCase())
  const okOurs = (await ours.showVmIdentity(RG, 'vmOurs')).userAssignedIdentities.length === 1
  if (!okOurs || !okTheirs) throw new Error(`the change was not made: ours ${okOurs}, theirs ${okTheirs}`)
  await oursOp(false)
  await theirsOp(false)

  const result = {}
  // Interleave rounds so drift (GC, caches) hits both alike.
  const o = []
  const t = []
  for (let r = 0; r < 2; r++) {
    o.push(...(await run(oursOp)))
    t.push(...(await run(theirsOp)))
  }
  result.ours = median(o)
  result.theirs = median(t)
  console.log(JSON.stringify(result))
}

function loadTime(expr, env) {
  const times = []
  for (let i = 0; i < LOADS; i++) {
    const t0 = process.hrtime.bigint()
    const r = spawnSync(process.execPath, ['-e', expr], { cwd: new URL('.', import.meta.url).pathname, env })
    if (r.status !== 0) throw new Error(`${expr}: ${r.stderr}`)
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return median(times)
}

async function parent() {
  const { Emulator } = require('msi-identity')
  const emulator = await Emulator.start()
  const c = emulator.client()
  await c.createResourceGroup(RG, 'westus')
  const uai = await c.createUserIdentity(RG, 'benchIdentity')
  await c.createVm(RG, 'vmOurs', { image: 'UbuntuLTS' })
  await c.createVm(RG, 'vmTheirs', { image: 'UbuntuLTS' })
  const env = { ...process.env, ...emulator.env(), BENCH_UAI: uai.id }
  const https = await import('node:https')
  const hook = (method, path) =>
    new Promise((resolve, reject) => {
      const req = https.request(`${emulator.endpoint}${path}`, { method, ca: emulator.caCertPem }, (res) => {
        let t = ''
        res.on('data', (d) => (t += d))
        res.on('end', () => resolve(t ? JSON.parse(t) : null))
      })
      req.on('error', reject)
      req.end()
    })
  await hook('DELETE', '/_emulator/requests')

  const out = await new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [self, '--child'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    let s = ''
    p.stdout.on('data', (d) => (s += d))
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(s.trim().split('\n').pop())) : reject(new Error(`child exited ${code}`))))
  })
  // Requests per change (the token requests of each client are a handful, not counted).
  const ops = 2 * (WARMUP + ITER) + 2
  const perOp = async (vm) => {
    const r = await hook('GET', `/_emulator/requests?path_contains=/virtualMachines/${vm}`)
    const s = Object.entries(r.counts).map(([m, n]) => `${(n / ops).toFixed(1)} ${m}`)
    return s.join(' + ')
  }
  const reqOurs = await perOp('vmOurs')
  const reqTheirs = await perOp('vmTheirs')
  await emulator.stop()

  const base = loadTime('0', process.env)
  const loadOurs = loadTime("require('msi-identity')", process.env)
  const loadTheirs = loadTime("require('@azure/arm-compute')", process.env)

  console.log(`identity change (attach/detach a user-assigned identity: GET, PATCH, wait), median of ${2 * ITER} each, warm clients:`)
  console.log(`  msi-identity        ${ms(out.ours)}   (requests per change: ${reqOurs})`)
  console.log(`  @azure/arm-compute  ${ms(out.theirs)}   (requests per change: ${reqTheirs})`)
  console.log(`  ratio ours/theirs   ${(out.ours / out.theirs).toFixed(2)}`)
  console.log(`module load (fresh \`node -e\`, median of ${LOADS}; bare node ${ms(base)}):`)
  console.log(`  require('msi-identity')        ${ms(loadOurs)} (+${ms(loadOurs - base)} over bare node)`)
  console.log(`  require('@azure/arm-compute')  ${ms(loadTheirs)} (+${ms(loadTheirs - base)} over bare node)`)
  console.log(`  ratio ours/theirs              ${(loadOurs / loadTheirs).toFixed(2)} (over bare node: ${((loadOurs - base) / (loadTheirs - base)).toFixed(2)})`)
}

if (process.argv.includes('--child')) await child()
else await parent()
