import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { admin, organization } from "better-auth/plugins";
import { adminAc, defaultStatements, memberAc, ownerAc } from "better-auth/plugins/organization/access";
import { createAccessControl } from "better-auth/plugins/access";
import { defaultStatements as platformStatements, userAc } from "better-auth/plugins/admin/access";
import { accounts, invitations, memberships, sessions, tenants, users, verifications, type PlatformDatabase } from "@ferry/db";
import { listTenantsForUser, setPlatformStaff } from "@ferry/services";
import { createEmailVerificationToken } from "better-auth/api";
import { CLIENT_ADDRESS_HEADER } from "./door";

export interface AuthOptions {
  /** better-auth's tables (users, sessions, accounts, verifications) are global: the privileged connection. */
  db: PlatformDatabase;
  /** Public origin of the portal, e.g. http://localhost:3000. */
  baseURL: string;
  secret: string;
  /** A session unused for this long is over. */
  sessionIdleSeconds: number;
  /** A session is over this long after sign-in, however busy. */
  sessionAbsoluteSeconds: number;
  trustedOrigins?: string[];
  /** Operator-listed emails that become platform staff once the address is verified (FERRY_BOOTSTRAP_STAFF_EMAILS). */
  staffEmails?: string[];
}

const ac = createAccessControl(defaultStatements);
export const tenantRoleAccess = {
  owner: ac.newRole(ownerAc.statements),
  admin: ac.newRole(adminAc.statements),
  viewer: ac.newRole(memberAc.statements),
};

// Staff look across tenants but may not impersonate users or change roles through better-auth:
// tenant access goes through audited support grants instead.
const platformAc = createAccessControl(platformStatements);
export const platformRoles = {
  user: platformAc.newRole(userAc.statements),
  staff: platformAc.newRole({ user: ["list", "get"] }),
};

const VERIFICATION_SECONDS = 24 * 3600;

/** Whether an operator listed this address as support staff (FERRY_BOOTSTRAP_STAFF_EMAILS). */
export function isBootstrapStaffEmail(staffEmails: readonly string[] | undefined, email: string): boolean {
  return staffEmails?.some((listed) => listed.toLowerCase() === email.toLowerCase()) ?? false;
}

export function createAuth(options: AuthOptions) {
  const { db } = options;
  return betterAuth({
    baseURL: options.baseURL,
    secret: options.secret,
    trustedOrigins: options.trustedOrigins ?? [options.baseURL],
    telemetry: { enabled: false },
    database: drizzleAdapter(db, {
      provider: "pg",
      schema: {
        user: users,
        session: sessions,
        account: accounts,
        verification: verifications,
        organization: tenants,
        member: memberships,
        invitation: invitations,
      },
    }),
    emailAndPassword: { enabled: true, minPasswordLength: 10, autoSignIn: true },
    // Verification mails are written by Ferry (sign-up, the "send the link again" action) into the
    // outbox; better-auth only checks the link.
    emailVerification: {
      expiresIn: VERIFICATION_SECONDS,
      // Staff comes only with a verified address: whoever first signs up with a listed address
      // proves nothing until the link mailed there is opened.
      afterEmailVerification: async (user) => {
        if (isBootstrapStaffEmail(options.staffEmails, user.email)) await setPlatformStaff({ db, userId: user.id, isStaff: true });
      },
    },
    // Sign-in is throttled by the door in Postgres (shared by every replica, per account and
    // address); better-auth's limiter is per process and keys on a header any client can set.
    rateLimit: { enabled: false },
    session: {
      // Sliding expiry is the idle timeout; the absolute timeout is enforced in resolveSession.
      expiresIn: options.sessionIdleSeconds,
      updateAge: Math.max(1, Math.min(300, Math.floor(options.sessionIdleSeconds / 5))),
      cookieCache: { enabled: false },
    },
    databaseHooks: {
      session: {
        create: {
          // A new session starts in the user's first tenant, so sign-in lands inside it.
          before: async (session) => {
            const [first] = await listTenantsForUser({ db, userId: session.userId });
            return { data: { ...session, activeOrganizationId: first?.id ?? null } };
          },
        },
      },
    },
    advanced: {
      database: { generateId: () => crypto.randomUUID() },
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
    },
    plugins: [
      admin({ ac: platformAc, roles: platformRoles, adminRoles: ["staff"], defaultRole: "user" }),
      organization({
        ac,
        roles: tenantRoleAccess,
        creatorRole: "owner",
        // Its endpoints are not served (see door.ts); tenants are created by Ferry's sign-up.
        allowUserToCreateOrganization: false,
        schema: {
          session: { fields: { activeOrganizationId: "activeTenantId" } },
          member: { fields: { organizationId: "tenantId" } },
          invitation: { fields: { organizationId: "tenantId" } },
        },
      }),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;

/** The link in a verification mail: better-auth's signed token, checked by GET /api/auth/verify-email. */
export async function verificationLinkFor(auth: Auth, user: { id: string; email: string }): Promise<string> {
  const { secret } = await auth.$context;
  const token = await createEmailVerificationToken(secret, user.email, undefined, VERIFICATION_SECONDS, { userId: user.id });
  return `${auth.options.baseURL}/api/auth/verify-email?token=${token}&callbackURL=${encodeURIComponent("/")}`;
}
