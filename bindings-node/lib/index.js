'use strict'
// The package's entry: the generated bindings (../index.js, from the Rust in src/) with every error remapped
// into the typed classes of ./errors.js. Nothing here knows about Azure: it only wraps calls.

const native = require('../index.js')
const errors = require('./errors.js')

const { remap } = errors

function wrapFunction(fn) {
  return function (...args) {
    let r
    try {
      r = fn.apply(this, args)
    } catch (e) {
      throw remap(e)
    }
    if (r && typeof r.then === 'function') {
      return r.then(undefined, (e) => {
        throw remap(e)
      })
    }
    return r
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
  if (typeof value === 'function' && value.prototype) {
    exported[name] = wrapClass(value)
  } else if (typeof value === 'function') {
    exported[name] = wrapFunction(value)
  } else {
    exported[name] = value
  }
}

module.exports = { ...exported, ...errors }
