// The package's public types: everything generated from the Rust (../index.d.ts) plus the error classes of
// ./errors.js. Hand-written; `npm run typecheck` (types/usage.ts) and __test__/types.test.mjs keep it in step
// with lib/index.js.

export * from '../index'
import type { ErrorKind } from '../index'

/** The stable `code` of each error class. */
export type MsiErrorCode =
  | 'MSI_ERROR'
  | 'MSI_INVALID_ARGUMENT'
  | 'MSI_BAD_REQUEST'
  | 'MSI_NOT_FOUND'
  | 'MSI_CONFLICT'
  | 'MSI_AUTHENTICATION'
  | 'MSI_AUTHORIZATION'
  | 'MSI_CREDENTIAL_UNAVAILABLE'
  | 'MSI_THROTTLED'
  | 'MSI_SERVICE'
  | 'MSI_CONNECTION'
  | 'MSI_TIMEOUT'

export interface MsiIdentityErrorFields {
  kind?: ErrorKind
  statusCode?: number
  errorCode?: string
  requestId?: string
  target?: string
  cause?: unknown
}

/** Base of every error the package throws or rejects with. */
export declare class MsiIdentityError extends Error {
  constructor(message: string, fields?: MsiIdentityErrorFields)
  static readonly code: MsiErrorCode
  static readonly kind: ErrorKind | undefined
  /** Stable per class: what callers branch on. */
  readonly code: MsiErrorCode
  readonly kind: ErrorKind | undefined
  /** HTTP status, when a service answered. */
  readonly statusCode?: number
  /** The service's error code (ARM `error.code`, Entra/IMDS `error`). */
  readonly errorCode?: string
  /** `x-ms-request-id` of the failed response. */
  readonly requestId?: string
  /** ARM `error.target`, when given. */
  readonly target?: string
}
/** Client-side validation failed; nothing was sent. `MSI_INVALID_ARGUMENT`. */
export declare class InvalidArgumentError extends MsiIdentityError {}
/** HTTP 400 from the service (e.g. `FailedIdentityOperation`). `MSI_BAD_REQUEST`. */
export declare class BadRequestError extends MsiIdentityError {}
/** HTTP 404. `MSI_NOT_FOUND`. */
export declare class ResourceNotFoundError extends MsiIdentityError {}
/** HTTP 409 or 412. `MSI_CONFLICT`. */
export declare class ConflictError extends MsiIdentityError {}
/** The same class as `ConflictError` (the azure-core name). */
export declare const ResourceExistsError: typeof ConflictError
export type ResourceExistsError = ConflictError
/** HTTP 401, or a credential could not get a token. `MSI_AUTHENTICATION`. */
export declare class AuthenticationError extends MsiIdentityError {}
/** HTTP 403 (`errorCode`: `AuthorizationFailed` or `LinkedAuthorizationFailed`). `MSI_AUTHORIZATION`. */
export declare class AuthorizationError extends MsiIdentityError {}
/** No managed identity here. `MSI_CREDENTIAL_UNAVAILABLE`. */
export declare class CredentialUnavailableError extends MsiIdentityError {}
/** HTTP 429 after the retries. `MSI_THROTTLED`. */
export declare class ThrottledError extends MsiIdentityError {}
/** HTTP 5xx after the retries, or an unexpected answer. `MSI_SERVICE`. */
export declare class ServiceError extends MsiIdentityError {}
/** No connection could be made, or it broke. `MSI_CONNECTION`. */
export declare class ConnectionError extends MsiIdentityError {}
/** The request or a long-running operation took too long. `MSI_TIMEOUT`. */
export declare class TimeoutError extends MsiIdentityError {}

/** The prefix of the native error payload (internal contract with src/error.rs). */
export declare const PAYLOAD_PREFIX: string
/** Turn anything the native addon threw into its typed error (other values are returned unchanged). */
export declare function remap(e: unknown): unknown
