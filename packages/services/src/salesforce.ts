// The Salesforce connection flow: connection, field catalog, mappings, secrets.
export * from "./connection/gateway";
export {
  SALESFORCE_LOGIN_HOSTS,
  resolveLoginUrl,
  normalizeCustomDomain,
  LoginHostError,
  type LoginHostChoice,
  type LoginHostDirectory,
} from "./connection/hosts";
export { MAX_LOGIN_FAILURES, CONFIRMED_STATES, LOCKED_STATES } from "./connection/stored";
export { viewConnection, type ConnectionView } from "./connection/view";
export { validateCredentials, credentialsInput, type CredentialsInput } from "./connection/validate";
export { setAuthType, authTypeInput } from "./connection/set-auth-type";
export { startOAuthAuthorization, oauthStartInput } from "./connection/oauth-start";
export { completeOAuthAuthorization, oauthCallbackInput, OAUTH_PENDING_MINUTES } from "./connection/oauth-complete";
export { confirmCredentials, confirmInput } from "./connection/confirm";
export { startSalesforceSync, startSyncInput } from "./connection/start-sync";
export { setApiCap, apiCapInput } from "./connection/set-api-cap";
export { setNearRealTime, nearRealTimeInput, viewNearRealTime, type NearRealTimeView } from "./connection/near-real-time";
export { previewFieldCatalog } from "./field-catalog/preview";
export { commitFieldCatalog, commitCatalogInput } from "./field-catalog/commit";
export { listFieldCatalog } from "./field-catalog/list";
export { listMappings, MAPPINGS_LOCKED_NOTE } from "./mappings/list";
export { updateMapping, updateMappingInput } from "./mappings/update";
export { acceptMappings } from "./mappings/accept";
export * from "./mappings/ferry-fields";
export { sealSecret, openSecret, secretSetting, secretStatus, masterKeyId, MasterKeyError, type SecretStatus } from "./secrets/seal";
