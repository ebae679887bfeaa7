// The package's ES module entry (`import { MsiClient } from 'msi-identity'`): the CommonJS entry ./index.js, whose
// exports are made at load time (so Node cannot list them statically), re-exported by name. One module instance
// serves both `import` and `require`: the classes are the same objects either way. __test__/esm.test.mjs checks
// that this list is exactly what ./index.js exports.
import msi from './index.js'

export const {
  MsiClient,
  BulkRun,
  ManagedIdentityCredential,
  DefaultAzureCredential,
  Emulator,
  errorKinds,
  classFor,
  remap,
  PAYLOAD_PREFIX,
  AbortError,
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
  __napiBindingTarget,
} = msi

export default msi
