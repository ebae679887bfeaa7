// The package's public types: everything generated from the Rust (../index.d.ts) plus the error classes of
// ./errors.js. Hand-written; `npm run typecheck` (types/usage.ts, types/usage.mts) and __test__/types.test.mjs
// keep it in step with lib/index.js. ./index.d.mts gives the same to `import`.

export * from '../index'
import type { AbortSignalLike, BulkAction, BulkProgress, BulkSelection, ErrorKind } from '../index'
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

/** One target's result of a bulk change. */
export interface BulkResult {
  /** The target's ARM ID. */
  id: string
  /** `changed`: a write was sent and completed; `unchanged`: it already was as asked; `failed`: see `error`. */
  status: 'changed' | 'unchanged' | 'failed'
  /** The identity after an identity change (ARM JSON). */
  identity?: Record<string, any>
  /** The role assignment or extension the action produced (ARM JSON). */
  detail?: Record<string, any>
  /** Why the target failed: the typed error a single call would have rejected with. */
  error?: MsiIdentityError
}

export interface BulkRunOptions {
  /** Targets worked on at once (default 32); the client paces requests to the subscription's budget. */
  concurrency?: number
  /** Called with each progress event (at least once a second, and after each result); may return a Promise. */
  onProgress?: (progress: BulkProgress) => void | Promise<void>
  /** Stops the change: the iteration then rejects with an `AbortError`. */
  abortSignal?: AbortSignalLike
}

export interface ApplyDesiredOptions extends BulkRunOptions {
  /** The file's name, in errors and in the results (default `identities.yaml`). */
  source?: string
}

/**
 * A running bulk change: `for await (const r of run)` gives one result per target as each completes. The run
 * starts at the first `next()`; bad input (the selection, the action) rejects there, before anything is
 * written. Leaving the loop early (`break`, `return()`) stops the change.
 */
export declare class BulkRun implements AsyncIterableIterator<BulkResult> {
  private constructor()
  /** How many targets the selection named; `undefined` until the run has started. */
  readonly total: number | undefined
  /** The last progress event; `undefined` before the first. */
  readonly progress: BulkProgress | undefined
  [Symbol.asyncIterator](): BulkRun
  next(): Promise<IteratorResult<BulkResult, undefined>>
  return(): Promise<IteratorResult<BulkResult, undefined>>
  /** Stop the change without waiting (targets in flight may or may not finish). */
  close(): void
}

declare module '../index' {
  interface MsiClient {
    /** One change applied to many VMs (core's bulk engine, paced to ARM's throttling budget). */
    bulkVm(action: BulkAction, selection: BulkSelection, options?: BulkRunOptions): BulkRun
    /** One change applied to many scale sets. */
    bulkVmss(action: BulkAction, selection: BulkSelection, options?: BulkRunOptions): BulkRun
    /**
     * Apply the desired-state file `text` (docs/desired-state.md): checked as `planDesired` checks it (a bad file
     * rejects the first `next()` with an `InvalidArgumentError`, before any write), then one result per target
     * (`detail`: that target's plan, what was changed). A second apply writes nothing.
     */
    applyDesired(text: string, options?: ApplyDesiredOptions): BulkRun
  }
}
