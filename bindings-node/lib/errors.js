'use strict'
// Typed errors. The native addon rejects with a plain Error whose message is `MSI_IDENTITY_ERROR ` followed by
// the JSON of core's error (src/error.rs); `remap` turns it into one of the classes below. Every class carries
// the same fields as core's error model: a stable `code` per kind, `kind`, `statusCode`, `errorCode` (the
// service's code, e.g. `AuthorizationFailed` vs `LinkedAuthorizationFailed`), `requestId` and `target`.
//
// There is one class per kind of core's error, made at load time from the addon's `errorKinds()` (core's
// `ErrorKind::ALL`): `not_found` -> `ResourceNotFoundError` (azure-core's name), any other `some_kind` ->
// `SomeKindError`, with the code `MSI_SOME_KIND`. lib/index.d.ts declares them for TypeScript.

const { errorKinds } = require('../index.js')

const PAYLOAD_PREFIX = 'MSI_IDENTITY_ERROR '

class MsiIdentityError extends Error {
  constructor(message, fields = {}) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause })
    this.name = new.target.name
    /** Stable per kind (`MSI_NOT_FOUND`, ...): what callers branch on. */
    this.code = new.target.code
    /** Core's kind name (`not_found`, ...). */
    this.kind = fields.kind ?? new.target.kind
    /** HTTP status, when a service answered. */
    this.statusCode = fields.statusCode
    /** The service's error code (ARM `error.code`, Entra/IMDS `error`). */
    this.errorCode = fields.errorCode
    /** `x-ms-request-id` of the failed response. */
    this.requestId = fields.requestId
    /** ARM `error.target`, when given. */
    this.target = fields.target
  }
}
MsiIdentityError.code = 'MSI_ERROR'
MsiIdentityError.kind = undefined

/** Class names that are not the kind's own (the azure-core names users know). */
const CLASS_NAMES = { not_found: 'ResourceNotFoundError' }

function className(kind) {
  return CLASS_NAMES[kind] ?? `${kind.split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('')}Error`
}

function kindClass(kind) {
  const name = className(kind)
  const C = { [name]: class extends MsiIdentityError {} }[name]
  C.kind = kind
  C.code = `MSI_${kind.toUpperCase()}`
  return C
}

/** Kind name -> its class, in core's order. */
const BY_KIND = new Map(errorKinds().map((kind) => [kind, kindClass(kind)]))
const CLASSES = Object.fromEntries([...BY_KIND.values()].map((C) => [C.name, C]))

// napi's own argument-conversion failures (a string where a number was expected, ...): invalid arguments.
const NAPI_ARGUMENT_STATUSES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
  'DateExpected',
  'ArrayBufferExpected',
])

/** The typed error for anything the addon threw or rejected with; other values are returned unchanged. */
function remap(e) {
  if (e instanceof MsiIdentityError || e === null || typeof e !== 'object') return e
  const message = typeof e.message === 'string' ? e.message : ''
  if (message.startsWith(PAYLOAD_PREFIX)) {
    let p
    try {
      p = JSON.parse(message.slice(PAYLOAD_PREFIX.length))
    } catch {
      return e
    }
    const C = BY_KIND.get(p.kind) ?? MsiIdentityError
    const err = new C(p.message, p)
    if (typeof e.stack === 'string') {
      // Keep the caller's frames (the native error has them) under the typed error's first line.
      const frames = e.stack.split('\n').slice(1).join('\n')
      if (frames) err.stack = `${err.name}: ${err.message}\n${frames}`
    }
    return err
  }
  if (NAPI_ARGUMENT_STATUSES.has(e.code)) {
    return new CLASSES.InvalidArgumentError(message, { kind: 'invalid_argument', errorCode: e.code, cause: e })
  }
  return e
}

module.exports = {
  PAYLOAD_PREFIX,
  remap,
  MsiIdentityError,
  ...CLASSES,
  ResourceExistsError: CLASSES.ConflictError,
}
