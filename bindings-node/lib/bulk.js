'use strict'
// Bulk changes: `client.bulkVm(action, selection, options)` / `client.bulkVmss(...)` (and a desired-state file's
// apply, `client.applyDesired(text, options)`) as an async iterable of
// results (`for await (const r of client.bulkVm(...))`), progress through `options.onProgress`. The native half
// (src/bulk.rs, `BulkHandle`) gives the events one at a time; this file only renders them: a result's `error`
// becomes the typed error of ./errors.js, a progress event goes to the callback, here on the event loop, so a
// callback that throws (or rejects) stops the iteration with its error. Nothing here knows about Azure.

const { remap, fromPayload, abortError, InvalidArgumentError } = require('./errors.js')

const DONE = Object.freeze({ done: true, value: undefined })

/** A running bulk change: an async iterator of results, `progress` (the last one) and `total`. */
class BulkRun {
  #handle
  #onProgress
  #signal
  #onAbort

  constructor(handle, options = {}) {
    this.#handle = handle
    const { onProgress, abortSignal } = options ?? {}
    if (onProgress !== undefined && onProgress !== null && typeof onProgress !== 'function') {
      throw new InvalidArgumentError('onProgress must be a function')
    }
    this.#onProgress = onProgress ?? undefined
    /** The last progress event; `undefined` before the first. */
    this.progress = undefined
    if (abortSignal !== undefined && abortSignal !== null) {
      if (typeof abortSignal !== 'object' || typeof abortSignal.addEventListener !== 'function') {
        throw new InvalidArgumentError('abortSignal must be an AbortSignal')
      }
      this.#signal = abortSignal
      this.#onAbort = () => handle.close()
      abortSignal.addEventListener('abort', this.#onAbort, { once: true })
      if (abortSignal.aborted) handle.close()
    }
  }

  /** How many targets the selection named; `undefined` until the run has started (the first `next()`). */
  get total() {
    return this.#handle.total ?? undefined
  }

  [Symbol.asyncIterator]() {
    return this
  }

  /** The next result, as each target completes. Bad input rejects the first call, before anything is written. */
  async next() {
    for (;;) {
      let e
      try {
        e = await this.#handle.nextEvent()
      } catch (err) {
        this.#release()
        throw remap(err)
      }
      if (e === null) {
        this.#release()
        if (this.#signal?.aborted) throw abortError()
        return DONE
      }
      const { type, ...value } = e
      if (type === 'progress') {
        this.progress = value
        if (this.#onProgress) await this.#onProgress(value)
        continue
      }
      if (value.error) value.error = fromPayload(value.error)
      return { done: false, value }
    }
  }

  /** Stop the change (targets in flight may or may not finish; running it again completes the rest). */
  async return() {
    this.close()
    return DONE
  }

  /** The same as `return()`, without waiting. */
  close() {
    this.#handle.close()
    this.#release()
  }

  #release() {
    if (this.#signal && this.#onAbort) this.#signal.removeEventListener('abort', this.#onAbort)
    this.#onAbort = undefined
  }
}

/**
 * `bulkVm` / `bulkVmss` / `applyDesired` on the client's prototype, over the native `startBulkVm` /
 * `startBulkVmss` / `startApplyDesired`.
 */
function install(proto) {
  for (const [name, native] of [
    ['bulkVm', proto.startBulkVm],
    ['bulkVmss', proto.startBulkVmss],
  ]) {
    const method = {
      [name](action, selection, options) {
        const { concurrency } = options ?? {}
        return new BulkRun(native.call(this, action, selection ?? {}, { concurrency }), options)
      },
    }[name]
    Object.defineProperty(proto, name, { value: method, writable: true, configurable: true, enumerable: false })
  }
  const startApplyDesired = proto.startApplyDesired
  function applyDesired(text, options) {
    const { source, concurrency } = options ?? {}
    return new BulkRun(startApplyDesired.call(this, text, { source, concurrency }), options)
  }
  Object.defineProperty(proto, 'applyDesired', {
    value: applyDesired,
    writable: true,
    configurable: true,
    enumerable: false,
  })
}

module.exports = { BulkRun, install }
