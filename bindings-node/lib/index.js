'use strict'
// The package's CommonJS entry (`require('msi-identity')`; ./index.mjs is the ES module one, over this file): the
// generated bindings (../index.js, from the Rust in src/) with every error remapped into the typed classes of
// ./errors.js, and `abortSignal` handled on every operation. Nothing here knows about Azure: it only wraps calls.

const native = require('../index.js')
const errors = require('./errors.js')
const bulk = require('./bulk.js')

const { remap, abortError, InvalidArgumentError } = errors

/** Native exports that are not part of the public API. */
const INTERNAL = new Set(['AbortHandle', 'BulkHandle'])

function settle(r, done) {
  if (r && typeof r.then === 'function') {
    return r.then(
      (v) => {
        done()
        return v
      },
      (e) => {
        done()
        throw remap(e)
      },
    )
  }
  done()
  return r
}

/**
 * Call `fn`, errors remapped. When the last argument is an options object with an `abortSignal` (the
 * `OperationOptions` of `@azure/core-client`, or `GetTokenOptions`), the native call gets an AbortHandle in its
 * place, aborted from the signal's `abort` event: the Rust future is dropped and the call rejects with an
 * `AbortError`. An already aborted signal rejects at once, before anything is sent.
 */
function call(fn, self, args) {
  const last = args.length - 1
  const options = args[last]
  const signal = options !== null && typeof options === 'object' && !Array.isArray(options) ? options.abortSignal : undefined
  if (signal === undefined || signal === null) return settle(fn.apply(self, args), () => {})
  if (typeof signal !== 'object' || typeof signal.addEventListener !== 'function' || typeof signal.removeEventListener !== 'function') {
    return Promise.reject(new InvalidArgumentError('abortSignal must be an AbortSignal'))
  }
  if (signal.aborted) return Promise.reject(abortError())
  const handle = new native.AbortHandle()
  const onAbort = () => handle.abort()
  signal.addEventListener('abort', onAbort, { once: true })
  const done = () => signal.removeEventListener('abort', onAbort)
  let r
  try {
    r = fn.apply(self, [...args.slice(0, last), { ...options, abortSignal: handle }])
  } catch (e) {
    done()
    throw e
  }
  return settle(r, done)
}

function wrapFunction(fn) {
  return function (...args) {
    try {
      return call(fn, this, args)
    } catch (e) {
      throw remap(e)
    }
  }
}

function wrapMethods(proto) {
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (['constructor', 'prototype', 'length', 'name'].includes(name)) continue
    const d = Object.getOwnPropertyDescriptor(proto, name)
    if (typeof d.value !== 'function') continue
    const wrapped = wrapFunction(d.value)
    Object.defineProperty(wrapped, 'name', { value: name })
    Object.defineProperty(proto, name, { ...d, value: wrapped })
  }
}

/**
 * The native class with typed errors from its constructor, static methods and methods (instances made by the
 * addon itself share the wrapped prototype). Static methods are declared configurable in the Rust for this.
 */
function wrapClass(C) {
  wrapMethods(C)
  wrapMethods(C.prototype)
  return new Proxy(C, {
    construct(target, args) {
      try {
        return Reflect.construct(target, args)
      } catch (e) {
        throw remap(e)
      }
    },
  })
}

const exported = {}
for (const [name, value] of Object.entries(native)) {
  if (INTERNAL.has(name)) continue
  if (typeof value === 'function' && value.prototype) {
    exported[name] = wrapClass(value)
  } else if (typeof value === 'function') {
    exported[name] = wrapFunction(value)
  } else {
    exported[name] = value
  }
}

// After wrapClass, so that the native halves they call reject with typed errors.
bulk.install(exported.MsiClient.prototype)

module.exports = {
  ...exported,
  BulkRun: bulk.BulkRun,
  PAYLOAD_PREFIX: errors.PAYLOAD_PREFIX,
  remap,
  classFor: errors.classFor,
  AbortError: errors.AbortError,
  MsiIdentityError: errors.MsiIdentityError,
  InvalidArgumentError: errors.InvalidArgumentError,
  HttpResponseError: errors.HttpResponseError,
  BadRequestError: errors.BadRequestError,
  ClientAuthenticationError: errors.ClientAuthenticationError,
  CredentialUnavailableError: errors.CredentialUnavailableError,
  ClientAuthorizationError: errors.ClientAuthorizationError,
  ResourceNotFoundError: errors.ResourceNotFoundError,
  ResourceExistsError: errors.ResourceExistsError,
  ResourceModifiedError: errors.ResourceModifiedError,
  ThrottledError: errors.ThrottledError,
  ServiceRequestError: errors.ServiceRequestError,
  ServiceResponseError: errors.ServiceResponseError,
  ServiceResponseTimeoutError: errors.ServiceResponseTimeoutError,
}
