'use strict'
// Typed errors. The native addon rejects with a plain Error whose message is `MSI_IDENTITY_ERROR ` followed by
// the JSON of core's error (src/error.rs); `remap` turns it into one of the classes below.
//
// The classes are those of the Python binding (bindings-python/src/error.rs, azure-core's names), and every one
// of them is a `RestError` of `@azure/core-rest-pipeline`: `isRestError(e)` and `e instanceof RestError` hold,
// and the fields mean what they mean there: `code` is the service's error code (ARM `error.code`, Entra/IMDS
// `error`; `REQUEST_SEND_ERROR` when no connection could be made), `statusCode` the HTTP status, `request` and
// `response` (non-enumerable, as RestError keeps them) the failed exchange (`response.headers` with
// `x-ms-request-id`). Core's kind is `kind`; `requestId` and `target` are core's fields too.
//
//   MsiIdentityError (a RestError)
//   ├── InvalidArgumentError                 nothing was sent
//   ├── HttpResponseError                    5xx after the retries, or an unexpected answer
//   │   ├── BadRequestError                  400
//   │   ├── ClientAuthenticationError        401, or a credential failed
//   │   │   └── CredentialUnavailableError   no managed identity here, or not the one asked for
//   │   ├── ClientAuthorizationError         403
//   │   ├── ResourceNotFoundError            404
//   │   ├── ResourceExistsError              409
//   │   ├── ResourceModifiedError            412
//   │   └── ThrottledError                   429
//   ├── ServiceRequestError                  no connection
//   └── ServiceResponseError
//       └── ServiceResponseTimeoutError      timed out
//
// An aborted call rejects with `@azure/abort-controller`'s `AbortError` instead (not a RestError, as there).

const { RestError, createHttpHeaders, createPipelineRequest } = require('@azure/core-rest-pipeline')
const { AbortError } = require('@azure/abort-controller')

const PAYLOAD_PREFIX = 'MSI_IDENTITY_ERROR '
/** The message of an aborted call's native rejection (src/abort.rs). */
const ABORTED = 'MSI_IDENTITY_ABORTED'

/**
 * Base of every error the package throws or rejects with. A subclass of `Error` whose prototype chain runs
 * through `RestError.prototype` (RestError's own constructor pins instances to its prototype, so it is not
 * called: its fields are set here, the same way).
 */
class MsiIdentityError extends Error {
  constructor(message, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    /** The service's error code (RestError's `code`). */
    this.code = options.code
    /** HTTP status, when a service answered. */
    this.statusCode = options.statusCode
    Object.defineProperty(this, 'request', { value: options.request, enumerable: false })
    Object.defineProperty(this, 'response', { value: options.response, enumerable: false })
    /** Core's kind (`not_found`, ...). */
    this.kind = options.kind ?? new.target.kind
    /** `x-ms-request-id` of the failed response. */
    this.requestId = options.requestId
    /** ARM `error.target`, when given. */
    this.target = options.target
  }
}
Object.setPrototypeOf(MsiIdentityError.prototype, RestError.prototype)
MsiIdentityError.REQUEST_SEND_ERROR = RestError.REQUEST_SEND_ERROR
MsiIdentityError.PARSE_ERROR = RestError.PARSE_ERROR
MsiIdentityError.kind = undefined

function define(name, Base, kind) {
  const C = { [name]: class extends Base {} }[name]
  C.kind = kind
  return C
}

const InvalidArgumentError = define('InvalidArgumentError', MsiIdentityError, 'invalid_argument')
const HttpResponseError = define('HttpResponseError', MsiIdentityError, 'service')
const BadRequestError = define('BadRequestError', HttpResponseError, 'bad_request')
const ClientAuthenticationError = define('ClientAuthenticationError', HttpResponseError, 'authentication')
const CredentialUnavailableError = define('CredentialUnavailableError', ClientAuthenticationError, 'credential_unavailable')
const ClientAuthorizationError = define('ClientAuthorizationError', HttpResponseError, 'authorization')
const ResourceNotFoundError = define('ResourceNotFoundError', HttpResponseError, 'not_found')
const ResourceExistsError = define('ResourceExistsError', HttpResponseError, 'conflict')
const ResourceModifiedError = define('ResourceModifiedError', HttpResponseError, 'conflict')
const ThrottledError = define('ThrottledError', HttpResponseError, 'throttled')
const ServiceRequestError = define('ServiceRequestError', MsiIdentityError, 'connection')
const ServiceResponseError = define('ServiceResponseError', MsiIdentityError, undefined)
const ServiceResponseTimeoutError = define('ServiceResponseTimeoutError', ServiceResponseError, 'timeout')

const CLASSES = {
  MsiIdentityError,
  InvalidArgumentError,
  HttpResponseError,
  BadRequestError,
  ClientAuthenticationError,
  CredentialUnavailableError,
  ClientAuthorizationError,
  ResourceNotFoundError,
  ResourceExistsError,
  ResourceModifiedError,
  ThrottledError,
  ServiceRequestError,
  ServiceResponseError,
  ServiceResponseTimeoutError,
}

/** The class of core's kind (and, for conflicts, status: 412 is a modified resource, as in Python). */
function classFor(kind, statusCode) {
  switch (kind) {
    case 'invalid_argument':
      return InvalidArgumentError
    case 'bad_request':
      return BadRequestError
    case 'not_found':
      return ResourceNotFoundError
    case 'conflict':
      return statusCode === 412 ? ResourceModifiedError : ResourceExistsError
    case 'authentication':
      return ClientAuthenticationError
    case 'authorization':
      return ClientAuthorizationError
    case 'credential_unavailable':
      return CredentialUnavailableError
    case 'throttled':
      return ThrottledError
    case 'service':
      return HttpResponseError
    case 'connection':
      return ServiceRequestError
    case 'timeout':
      return ServiceResponseTimeoutError
    default:
      return undefined
  }
}

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

/** The request and response of a payload, as `@azure/core-rest-pipeline` shapes them. */
function exchange(p) {
  const headers = createHttpHeaders(p.headers ?? {})
  const request =
    p.method && p.url
      ? createPipelineRequest({
          url: p.url,
          method: p.method,
          requestId: headers.get('x-ms-client-request-id') ?? undefined,
        })
      : undefined
  const response = p.statusCode === undefined ? undefined : { request, status: p.statusCode, headers }
  return { request, response }
}

/** The `AbortError` of an aborted call, as `@azure/abort-controller` makes it. */
function abortError() {
  return new AbortError('The operation was aborted.')
}

/** The typed error of a payload of src/error.rs (a rejection's, or a failed bulk target's `error`). */
function fromPayload(p) {
  const C = classFor(p.kind, p.statusCode) ?? MsiIdentityError
  const code = p.errorCode ?? (p.kind === 'connection' ? RestError.REQUEST_SEND_ERROR : undefined)
  return new C(p.message, { ...p, code, ...exchange(p) })
}

/** The typed error for anything the addon threw or rejected with; other values are returned unchanged. */
function remap(e) {
  if (e instanceof MsiIdentityError || e instanceof AbortError || e === null || typeof e !== 'object') return e
  const message = typeof e.message === 'string' ? e.message : ''
  let err
  if (message === ABORTED) {
    err = abortError()
  } else if (message.startsWith(PAYLOAD_PREFIX)) {
    let p
    try {
      p = JSON.parse(message.slice(PAYLOAD_PREFIX.length))
    } catch {
      return e
    }
    err = fromPayload(p)
  } else if (NAPI_ARGUMENT_STATUSES.has(e.code)) {
    return new InvalidArgumentError(message, { kind: 'invalid_argument', cause: e })
  } else {
    return e
  }
  if (typeof e.stack === 'string') {
    // Keep the caller's frames (the native error has them) under the typed error's first line.
    const frames = e.stack.split('\n').slice(1).join('\n')
    if (frames) err.stack = `${err.name}: ${err.message}\n${frames}`
  }
  return err
}

module.exports = {
  PAYLOAD_PREFIX,
  remap,
  fromPayload,
  abortError,
  classFor,
  AbortError,
  ...CLASSES,
}
