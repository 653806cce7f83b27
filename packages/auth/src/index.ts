export { createAuth, isBootstrapStaffEmail, tenantRoleAccess, verificationLinkFor, type Auth, type AuthOptions } from "./auth";
export { resolveSession, toHeaders, type ResolvedSession, type SignedInUser } from "./session";
export {
  allowedAuthEndpoints,
  createAuthDoor,
  isAllowedAuthEndpoint,
  servedAuthEndpoints,
  AUTH_BASE_PATH,
  CLIENT_ADDRESS_HEADER,
  type AuthDoorOptions,
} from "./door";
export { clientAddress, isTrustedProxyEntry, trustedProxies, type TrustedProxies } from "./client-address";
export { createSignInThrottle, defaultThrottleLimits, type SignInThrottle, type ThrottleLimits } from "./throttle";
