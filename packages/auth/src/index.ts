export { createAuth, tenantRoleAccess, type Auth, type AuthOptions } from "./auth";
export { resolveSession, toHeaders, type ResolvedSession, type SignedInUser } from "./session";
