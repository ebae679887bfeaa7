// The package's public types: everything generated from the Rust (../index.d.ts) plus the error classes of
// ./errors.js. Hand-written; `npm run typecheck` (types/usage.ts, types/usage.mts) and __test__/types.test.mjs
// keep it in step with lib/index.js. ./index.d.mts gives the same to `import`.

export * from '../index'
import type { ErrorKind } from '../index'
import { RestError, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline'
export { AbortError } from '@azure/abort-controller'

export interface MsiIdentityErrorOptions {
  /** The service's error code (ARM `error.code`, Entra/IMDS `error`). */
  code?: string
  statusCode?: number
  request?: PipelineRequest
  response?: PipelineResponse
  kind?: ErrorKind
  requestId?: string
  target?: string
  cause?: unknown
}

/**
 * Base of every error the package throws or rejects with: a `RestError` of `@azure/core-rest-pipeline`
 * (`isRestError(e)` holds), with core's `kind`.
 */
export declare class MsiIdentityError extends RestError {
  constructor(message: string, options?: MsiIdentityErrorOptions)
  /** Core's kind of the class (`undefined` for the bases that span several). */
  static readonly kind: ErrorKind | undefined
  static readonly REQUEST_SEND_ERROR: string
  static readonly PARSE_ERROR: string
  /**
   * The service's error code (ARM `error.code` such as `ResourceNotFound` or `LinkedAuthorizationFailed`,
   * Entra/IMDS `error` such as `invalid_client`); `REQUEST_SEND_ERROR` when no connection could be made.
   */
  code?: string
  /** HTTP status, when a service answered. */
  statusCode?: number
  /** The request that failed (method and URL, query values redacted); non-enumerable. */
  request?: PipelineRequest
  /** The failed answer: `status` and `headers` (`x-ms-request-id`, ...); non-enumerable. */
  response?: PipelineResponse
  /** Core's kind: what callers branch on across faces. */
  readonly kind: ErrorKind | undefined
  /** `x-ms-request-id` of the failed response. */
  readonly requestId?: string
  /** ARM `error.target`, when given. */
  readonly target?: string
}
/** Client-side validation failed; nothing was sent. */
export declare class InvalidArgumentError extends MsiIdentityError {}
/** The service answered with an error status (5xx after the retries, or one without a narrower class). */
export declare class HttpResponseError extends MsiIdentityError {}
/** HTTP 400 (e.g. `FailedIdentityOperation`). */
export declare class BadRequestError extends HttpResponseError {}
/** HTTP 401, or a credential could not get a token. */
export declare class ClientAuthenticationError extends HttpResponseError {}
/** No managed identity is available here, or the one asked for is not assigned (IMDS 400). */
export declare class CredentialUnavailableError extends ClientAuthenticationError {}
/** HTTP 403 (`code`: `AuthorizationFailed` or `LinkedAuthorizationFailed`). */
export declare class ClientAuthorizationError extends HttpResponseError {}
/** HTTP 404. */
export declare class ResourceNotFoundError extends HttpResponseError {}
/** HTTP 409: the resource exists, or conflicts with what exists. */
export declare class ResourceExistsError extends HttpResponseError {}
/** HTTP 412: a precondition failed (the resource changed, or already exists when creating). */
export declare class ResourceModifiedError extends HttpResponseError {}
/** HTTP 429 after the retries. */
export declare class ThrottledError extends HttpResponseError {}
/** No connection could be made, or it broke before an answer. */
export declare class ServiceRequestError extends MsiIdentityError {}
/** The service did not answer properly. */
export declare class ServiceResponseError extends MsiIdentityError {}
/** The request or a long-running operation took too long. */
export declare class ServiceResponseTimeoutError extends ServiceResponseError {}

/** The class an error of core's `kind` (and HTTP status) is rendered as. */
export declare function classFor(kind: ErrorKind, statusCode?: number): typeof MsiIdentityError
/** The prefix of the native error payload (internal contract with src/error.rs). */
export declare const PAYLOAD_PREFIX: string
/** Turn anything the native addon threw into its typed error (other values are returned unchanged). */
export declare function remap(e: unknown): unknown
