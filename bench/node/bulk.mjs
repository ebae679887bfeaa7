// One identity change on a fleet of VMs from Node: msi-identity's bulk engine (`client.bulkVm`) against the loop a
// Node user writes today with @azure/arm-compute (32 workers, each VM: get, then beginUpdateAndWait), on the same
// emulator (throttling off, so both run as fast as they can). Rounds interleave the clients and alternate the
// direction (system identity on, off); prints medians in seconds and the ratio @azure/arm-compute / msi-identity.
//   ./run.sh bulk            BENCH_VMS=500 BENCH_ROUNDS=6 by default
//
// The parent starts the emulator and stores the VMs; the clients run in a child started with the emulator's
// environment (NODE_EXTRA_CA_CERTS is read at start-up only), so the emulator does not share their event loop.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const self = fileURLToPath(import.meta.url)
const VMS = Number(process.env.BENCH_VMS ?? 500)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6)
const WORKERS = 32

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

async function pool(items, n, fn) {
  let next = 0
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++])
  }))
}

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
  const names = Array.from({ length: VMS }, (_, i) => `vm${i}`)

  const oursChange = async (on) => {
    let changed = 0
    for await (const r of ours.bulkVm({ action: on ? 'assign' : 'remove' }, { resourceGroup: 'fleet-msi' })) {
      if (r.status !== 'changed') throw new Error(`${r.id}: ${r.status} ${r.error?.message ?? ''}`)
      changed++
    }
    if (changed !== VMS) throw new Error(`changed ${changed} of ${VMS}`)
  }
  const theirsChange = (on) =>
    pool(names, WORKERS, async (name) => {
      await theirs.virtualMachines.get('fleet-sdk', name)
      await theirs.virtualMachines.beginUpdateAndWait('fleet-sdk', name,
        { identity: { type: on ? 'SystemAssigned' : 'None' } }, { updateIntervalInMs: 0 })
    })

  const times = { ours: [], theirs: [] }
  for (let r = 0; r < ROUNDS; r++) {
    const on = r % 2 === 0
    const order = r % 2 === 0 ? [['ours', oursChange], ['theirs', theirsChange]] : [['theirs', theirsChange], ['ours', oursChange]]
    for (const [label, fn] of order) {
      const t0 = process.hrtime.bigint()
      await fn(on)
      times[label].push(Number(process.hrtime.bigint() - t0) / 1e9)
    }
  }
  console.log(JSON.stringify(times))
}

async function parent() {
  const { Emulator } = require('msi-identity')
  const emulator = await Emulator.start({ throttle: 'off' })
  const c = emulator.client()
  await c.createResourceGroup('fleet-msi', 'westus')
  await c.createResourceGroup('fleet-sdk', 'westus')
  const t0 = Date.now()
  const jobs = []
  for (let i = 0; i < VMS; i++) jobs.push(['fleet-msi', `vm${i}`], ['fleet-sdk', `vm${i}`])
  await pool(jobs, 8, ([g, n]) => c.createVm(g, n, { image: 'UbuntuLTS' }))
  console.log(`stored ${2 * VMS} VMs in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  const env = { ...process.env, ...emulator.env() }
  const times = await new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [self, '--child'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    let s = ''
    p.stdout.on('data', (d) => (s += d))
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(s.trim().split('\n').pop())) : reject(new Error(`child exited ${code}`))))
  })
  await emulator.stop()
  const o = median(times.ours)
  const t = median(times.theirs)
  const list = (xs) => xs.map((x) => x.toFixed(2)).join(' ')
  console.log(`system identity on/off across ${VMS} VMs, median of ${ROUNDS} (s), node ${process.version}:`)
  console.log(`  anchor: @azure/arm-compute, ${WORKERS} workers  ${t.toFixed(2).padStart(8)}   (${list(times.theirs)})`)
  console.log(`  msi-identity bulkVm                 ${o.toFixed(2).padStart(8)}   (${list(times.ours)})`)
  console.log(`  ratio @azure/arm-compute / msi-identity: ${(t / o).toFixed(1)}x; msi-identity ${(VMS / o).toFixed(0)} VMs/s`)
}

if (process.argv.includes('--child')) await child()
else await parent()
