// The emulator's `throttle` option (emulator.rs): tight numbers answer 429 with Retry-After to a caller that does
// not pace itself (plain https here), `off` answers every write, a bad value is an invalid argument.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import https from 'node:https'
import { msi } from './helpers.mjs'

function send(e, method, path, body, headers = {}) {
  const url = new URL(path, e.endpoint)
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca: e.caCertPem, headers }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function putGroups(e, count) {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: e.adminClientId,
    client_secret: e.adminClientSecret,
    scope: 'https://management.azure.com/.default',
  }).toString()
  const t = await send(e, 'POST', `/${e.tenantId}/oauth2/v2.0/token`, form, {
    'content-type': 'application/x-www-form-urlencoded',
  })
  assert.equal(t.status, 200, t.text)
  const token = JSON.parse(t.text).access_token
  const answers = []
  for (let i = 0; i < count; i++) {
    answers.push(
      await send(e, 'PUT', `/subscriptions/${e.subscriptionId}/resourcegroups/rg-throttle-${i}?api-version=2021-04-01`,
        JSON.stringify({ location: 'westus' }),
        { authorization: `Bearer ${token}`, 'content-type': 'application/json' }),
    )
  }
  return answers
}

test('tight numbers answer 429 with Retry-After once the write bucket is empty', async () => {
  const e = await msi.Emulator.start({ throttle: 'writes=2/0.01' })
  try {
    const answers = await putGroups(e, 3)
    assert.deepEqual(answers.map((a) => a.status), [201, 201, 429])
    assert.ok(Number(answers[2].headers['retry-after']) >= 1)
  } finally {
    await e.stop()
  }
})

test('off answers every write', async () => {
  const e = await msi.Emulator.start({ throttle: 'off' })
  try {
    const answers = await putGroups(e, 5)
    assert.deepEqual(answers.map((a) => a.status), [201, 201, 201, 201, 201])
  } finally {
    await e.stop()
  }
})

test('a bad throttle value is an invalid argument naming the part', async () => {
  await assert.rejects(msi.Emulator.start({ throttle: 'writes=5/1,wirtes=1/1' }), (err) => {
    assert.ok(err instanceof msi.InvalidArgumentError)
    assert.match(err.message, /wirtes/)
    return true
  })
})
