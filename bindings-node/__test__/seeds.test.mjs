// Every step of the seed guides (shared/seeds: portal VM, portal VMSS, PowerShell VM, Azure CLI VM)
// through the addon against an in-process emulator.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { startEmulator, unique } from './helpers.mjs'

const emulator = await startEmulator(after)
const client = emulator.client()

async function group() {
  const rg = unique('rg')
  await client.createResourceGroup(rg, 'westus')
  return rg
}

const userIds = (i) => Object.keys(i.userAssignedIdentities).map((id) => id.toLowerCase())

test('portal, VM: System assigned On/Off, User assigned Add/Remove', async () => {
  const rg = await group()
  // "first create a VM" (the quickstart), without an identity
  await client.createVm(rg, 'myVM', { image: 'Win2016Datacenter', adminUsername: 'azureuser', adminPassword: 'myPassword12' })
  assert.equal((await client.showVmIdentity(rg, 'myVM')).type, 'None')

  // System assigned, Status On, Save
  let u = await client.assignVmIdentity(rg, 'myVM', { systemAssigned: true })
  assert.equal(u.changed, true)
  assert.equal(u.identity.type, 'SystemAssigned')
  assert.match(u.identity.principalId, /^[0-9a-f-]{36}$/)
  // Saving again with nothing changed sends no write
  assert.equal((await client.assignVmIdentity(rg, 'myVM', { systemAssigned: true })).changed, false)

  // System assigned, Status Off, Save
  u = await client.removeVmIdentity(rg, 'myVM', { systemAssigned: true })
  assert.equal(u.identity.type, 'None')
  assert.equal(u.identity.principalId, undefined)

  // User assigned, +Add
  const uai = await client.createUserIdentity(rg, 'myUserAssignedIdentity')
  u = await client.assignVmIdentity(rg, 'myVM', { userAssigned: ['myUserAssignedIdentity'] })
  assert.equal(u.identity.type, 'UserAssigned')
  assert.deepEqual(userIds(u.identity), [uai.id.toLowerCase()])
  assert.equal(Object.values(u.identity.userAssignedIdentities)[0].clientId, uai.clientId)

  // User assigned, Remove
  u = await client.removeVmIdentity(rg, 'myVM', { userAssigned: [uai.id] })
  assert.equal(u.identity.type, 'None')
  assert.deepEqual(u.identity.userAssignedIdentities, {})
})

test('portal, VM scale set: System assigned On/Off, User assigned Add/Remove', async () => {
  const rg = await group()
  await client.createVmss(rg, 'myVMSS', { image: 'UbuntuLTS', instanceCount: 2 })
  assert.equal((await client.showVmssIdentity(rg, 'myVMSS')).type, 'None')

  let u = await client.assignVmssIdentity(rg, 'myVMSS', { systemAssigned: true })
  assert.equal(u.identity.type, 'SystemAssigned')
  assert.ok(u.identity.principalId)

  u = await client.removeVmssIdentity(rg, 'myVMSS', { systemAssigned: true })
  assert.equal(u.identity.type, 'None')

  const uai = await client.createUserIdentity(rg, 'myUserAssignedIdentity')
  u = await client.assignVmssIdentity(rg, 'myVMSS', { userAssigned: ['myUserAssignedIdentity'] })
  assert.equal(u.identity.type, 'UserAssigned')
  assert.deepEqual(userIds(u.identity), [uai.id.toLowerCase()])

  u = await client.removeVmssIdentity(rg, 'myVMSS', { userAssigned: ['myUserAssignedIdentity'] })
  assert.equal(u.identity.type, 'None')
})

test('PowerShell, VM: -AssignIdentity, Update-AzureRmVM, Set/Remove-AzureRmVMExtension, -IdentityType UserAssigned', async () => {
  const rg = await group()
  const ext = { type: 'ManagedIdentityExtensionForWindows', name: 'ManagedIdentityExtensionForWindows', port: 50342 }

  // New-AzureRmVMConfig -AssignIdentity "SystemAssigned" ... New-AzureRmVM
  const created = await client.createVm(rg, 'myVM', { image: 'Win2016Datacenter', systemAssigned: true })
  assert.equal(created.identity.type, 'SystemAssigned')
  // Set-AzureRmVMExtension -Type ManagedIdentityExtensionForWindows -Settings @{port = 50342}
  let e = await client.setVmMsiExtension(rg, 'myVM', ext)
  assert.equal(e.properties.publisher, 'Microsoft.ManagedIdentity')
  assert.equal(e.properties.type, 'ManagedIdentityExtensionForWindows')
  assert.equal(e.properties.typeHandlerVersion, '1.0')
  assert.equal(e.properties.settings.port, 50342)

  // Enable MSI on an existing VM: Get-AzureRmVM; Update-AzureRmVM -AssignIdentity "SystemAssigned"
  await client.createVm(rg, 'myVM2', { image: 'Win2016Datacenter' })
  await client.getVm(rg, 'myVM2')
  const u = await client.setVmIdentity(rg, 'myVM2', { type: 'SystemAssigned' })
  assert.equal(u.identity.type, 'SystemAssigned')
  e = await client.setVmMsiExtension(rg, 'myVM2', ext)
  assert.equal((await client.getVmExtension(rg, 'myVM2', ext.name)).name, ext.name)

  // Remove-AzureRmVMExtension -Name ManagedIdentityExtensionForWindows -VMName myVM
  assert.equal(await client.deleteVmExtension(rg, 'myVM2', ext.name), true)
  assert.equal(await client.deleteVmExtension(rg, 'myVM2', ext.name), false)

  // New-AzureRmVMConfig -IdentityType UserAssigned -IdentityID "/subscriptions/.../userAssignedIdentities/ID1"
  const id1 = await client.createUserIdentity(rg, 'ID1')
  const vm3 = await client.createVm(rg, 'myVM3', { image: 'Win2016Datacenter', userAssigned: [id1.id] })
  assert.equal(vm3.identity.type, 'UserAssigned')
  await client.setVmMsiExtension(rg, 'myVM3', ext)

  // Existing VM: Update-AzureRmVM -IdentityType UserAssigned -IdentityID "..."
  await client.createVm(rg, 'myVM4', { image: 'Win2016Datacenter' })
  const u4 = await client.setVmIdentity(rg, 'myVM4', { type: 'UserAssigned', userAssigned: [id1.id] })
  assert.equal(u4.identity.type, 'UserAssigned')
  assert.deepEqual(userIds(u4.identity), [id1.id.toLowerCase()])
  await client.setVmMsiExtension(rg, 'myVM4', { type: 'ManagedIdentityExtensionForWindows', port: 50342 })
})

test('Azure CLI, VM: az group/vm/identity commands of the guide', async () => {
  // az group create --name myResourceGroup --location westus
  const rg = await group()
  assert.equal((await client.getResourceGroup(rg)).location, 'westus')

  // az vm create ... --image win2016datacenter --generate-ssh-keys --assign-identity --admin-username azureuser --admin-password ...
  const vm = await client.createVm(rg, 'myVM', {
    image: 'win2016datacenter',
    adminUsername: 'azureuser',
    adminPassword: 'myPassword12',
    systemAssigned: true,
  })
  assert.equal(vm.identity.type, 'SystemAssigned')

  // az vm identity assign -g myResourceGroup -n myVm (on an existing VM without one)
  await client.createVm(rg, 'myVm2', { image: 'UbuntuLTS' })
  let u = await client.assignVmIdentity(rg, 'myVm2', { systemAssigned: true })
  assert.equal(u.identity.type, 'SystemAssigned')

  // az identity create -g myResourceGroup -n myUserAssignedIdentity
  const uai = await client.createUserIdentity(rg, 'myUserAssignedIdentity')
  assert.equal(uai.name, 'myUserAssignedIdentity')
  assert.ok(uai.clientId && uai.principalId)

  // az vm update --set identity.type='UserAssigned' (disable system, keep user-assigned)
  await client.assignVmIdentity(rg, 'myVm2', { userAssigned: ['myUserAssignedIdentity'] })
  u = await client.setVmIdentity(rg, 'myVm2', { type: 'UserAssigned' })
  assert.equal(u.identity.type, 'UserAssigned')
  assert.equal(u.identity.principalId, undefined)
  assert.equal(Object.keys(u.identity.userAssignedIdentities).length, 1)

  // az vm update --set identity.type="none"
  u = await client.setVmIdentity(rg, 'myVm2', { type: 'none' })
  assert.equal(u.identity.type, 'None')

  // az vm create ... --image UbuntuLTS --admin-username ... --admin-password ... --assign-identity <identity name>
  const vm3 = await client.createVm(rg, 'myVM3', {
    image: 'UbuntuLTS',
    adminUsername: 'azureuser',
    adminPassword: 'myPassword12',
    userAssigned: ['myUserAssignedIdentity'],
  })
  assert.equal(vm3.identity.type, 'UserAssigned')

  // az vm identity assign -g <RESOURCE GROUP> -n <VM NAME> --identities <USER ASSIGNED IDENTITY>
  const second = await client.createUserIdentity(rg, 'second')
  u = await client.assignVmIdentity(rg, 'myVM3', { userAssigned: ['second'] })
  assert.deepEqual(userIds(u.identity).sort(), [uai.id, second.id].map((s) => s.toLowerCase()).sort())

  // az vm identity remove --identities <USER ASSIGNED IDENTITY>
  u = await client.removeVmIdentity(rg, 'myVM3', { userAssigned: ['second'] })
  assert.deepEqual(userIds(u.identity), [uai.id.toLowerCase()])

  // az vm update --set identity.type="none" identity.userAssignedIdentities=null
  u = await client.setVmIdentity(rg, 'myVM3', { type: 'None', userAssigned: [] })
  assert.equal(u.identity.type, 'None')

  // az vm update --set identity.type='SystemAssigned' identity.userAssignedIdentities=null
  await client.assignVmIdentity(rg, 'myVM3', { systemAssigned: true, userAssigned: ['myUserAssignedIdentity'] })
  u = await client.setVmIdentity(rg, 'myVM3', { type: 'SystemAssigned', userAssigned: [] })
  assert.equal(u.identity.type, 'SystemAssigned')
  assert.deepEqual(u.identity.userAssignedIdentities, {})
})
