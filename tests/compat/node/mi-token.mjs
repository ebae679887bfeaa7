// Prints the claims of a token that @azure/identity's ManagedIdentityCredential gets from the environment
// it is started in (AZURE_POD_IDENTITY_AUTHORITY_HOST for IMDS, IDENTITY_ENDPOINT + IDENTITY_HEADER for App
// Service). A process of its own for each token: MSAL caches the managed-identity source per process.
//   node mi-token.mjs [CLIENT_ID]
import { ManagedIdentityCredential } from "@azure/identity";

const clientId = process.argv[2];
const cred = clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
const { token } = await cred.getToken("https://management.azure.com/.default");
const body = token.split(".")[1];
process.stdout.write(JSON.stringify(JSON.parse(Buffer.from(body, "base64url").toString())) + "\n");
