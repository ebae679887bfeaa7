'use strict'
// Typed errors. The native addon rejects with a plain Error whose message is `MSI_IDENTITY_ERROR ` followed by
// the JSON of core's error (src/error.rs); `remap` turns it into one of the classes below. Every class carries
// the same fields as core's error model: a stable `code` per kind, `kind`, `statusCode`, `errorCode` (the
// service's code, e.g. `AuthorizationFailed` vs `LinkedAuthorizationFailed`), `requestId` and `target`.

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

function kindClass(name, kind, code, base = MsiIdentityError) {
  const C = { [name]: class extends base {} }[name]
  C.kind = kind
  C.code = code
  return C
}

/** Client-side validation failed; nothing was sent. */
const InvalidArgumentError = kindClass('InvalidArgumentError', 'invalid_argument', 'MSI_INVALID_ARGUMENT')
/** The service rejected the request as invalid (HTTP 400, e.g. `FailedIdentityOperation`). */
const BadRequestError = kindClass('BadRequestError', 'bad_request', 'MSI_BAD_REQUEST')
/** HTTP 404. */
const ResourceNotFoundError = kindClass('ResourceNotFoundError', 'not_found', 'MSI_NOT_FOUND')
/** HTTP 409 or 412: the resource exists, or changed under us. */
const ConflictError = kindClass('ConflictError', 'conflict', 'MSI_CONFLICT')
/** HTTP 401, or a credential could not get a token. */
const AuthenticationError = kindClass('AuthenticationError', 'authentication', 'MSI_AUTHENTICATION')
/** HTTP 403; `errorCode` keeps `AuthorizationFailed` vs `LinkedAuthorizationFailed`. */
const AuthorizationError = kindClass('AuthorizationError', 'authorization', 'MSI_AUTHORIZATION')
/** No managed identity here: not assigned to this resource (IMDS 400), or no token endpoint answers. */
const CredentialUnavailableError = kindClass(
  'CredentialUnavailableError',
  'credential_unavailable',
  'MSI_CREDENTIAL_UNAVAILABLE',
)
/** HTTP 429 after the retries ran out. */
const ThrottledError = kindClass('ThrottledError', 'throttled', 'MSI_THROTTLED')
/** HTTP 5xx after the retries ran out, or an unexpected answer. */
const ServiceError = kindClass('ServiceError', 'service', 'MSI_SERVICE')
/** No connection could be made, or it broke. */
const ConnectionError = kindClass('ConnectionError', 'connection', 'MSI_CONNECTION')
/** The request or a long-running operation took too long. */
const TimeoutError = kindClass('TimeoutError', 'timeout', 'MSI_TIMEOUT')

const CLASSES = [
  InvalidArgumentError,
  BadRequestError,
  ResourceNotFoundError,
  ConflictError,
  AuthenticationError,
  AuthorizationError,
  CredentialUnavailableError,
  ThrottledError,
  ServiceError,
  ConnectionError,
  TimeoutError,
]
const BY_KIND = new Map(CLASSES.map((C) => [C.kind, C]))

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
    return new InvalidArgumentError(message, { kind: 'invalid_argument', errorCode: e.code, cause: e })
  }
  return e
}

module.exports = {
  PAYLOAD_PREFIX,
  remap,
  MsiIdentityError,
  InvalidArgumentError,
  BadRequestError,
  ResourceNotFoundError,
  ConflictError,
  ResourceExistsError: ConflictError,
  AuthenticationError,
  AuthorizationError,
  CredentialUnavailableError,
  ThrottledError,
  ServiceError,
  ConnectionError,
  TimeoutError,
}
