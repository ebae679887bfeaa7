// The types of the ES module entry (./index.mjs): the same declarations as the CommonJS entry's.
export * from './index.js'
import msi from './index.js'
export default msi
