import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { admin, organization } from "better-auth/plugins";
import { adminAc, defaultStatements, memberAc, ownerAc } from "better-auth/plugins/organization/access";
import { createAccessControl } from "better-auth/plugins/access";
import { defaultStatements as platformStatements, userAc } from "better-auth/plugins/admin/access";
import {
  accounts,
  emailOutbox,
  invitations,
  memberships,
  sessions,
  tenants,
  users,
  verifications,
  type PlatformDatabase,
} from "@ferry/db";
import { listTenantsForUser } from "@ferry/services";

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
  /** Operator-listed emails that become platform staff when their account is created (FERRY_BOOTSTRAP_STAFF_EMAILS). */
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
  staff: platformAc.newRole({ user: ["list", "get"], session: ["list"] }),
};

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
    session: {
      // Sliding expiry is the idle timeout; the absolute timeout is enforced in resolveSession.
      expiresIn: options.sessionIdleSeconds,
      updateAge: Math.max(1, Math.min(300, Math.floor(options.sessionIdleSeconds / 5))),
      cookieCache: { enabled: false },
    },
    databaseHooks: {
      user: {
        create: {
          before: async (user) => {
            const staff = options.staffEmails?.some((email) => email.toLowerCase() === user.email.toLowerCase());
            return { data: staff ? { ...user, role: "staff" } : user };
          },
        },
      },
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
    },
    plugins: [
      admin({ ac: platformAc, roles: platformRoles, adminRoles: ["staff"], defaultRole: "user" }),
      organization({
        ac,
        roles: tenantRoleAccess,
        creatorRole: "owner",
        allowUserToCreateOrganization: true,
        invitationExpiresIn: 7 * 24 * 3600,
        cancelPendingInvitationsOnReInvite: true,
        schema: {
          session: { fields: { activeOrganizationId: "activeTenantId" } },
          member: { fields: { organizationId: "tenantId" } },
          invitation: { fields: { organizationId: "tenantId" } },
        },
        // No mail provider: the outbox is what would have been sent, shown in the portal.
        async sendInvitationEmail(data) {
          const link = `${options.baseURL}/invite/${data.id}`;
          await db.insert(emailOutbox).values({
            tenantId: data.organization.id,
            to: data.email,
            subject: `${data.inviter.user.name} invited you to ${data.organization.name} on Ferry`,
            body: `You have been invited as ${data.role}. Open the link to accept: ${link}`,
            link,
            meta: { invitationId: data.id, role: data.role },
          });
        },
      }),
    ],
  });
}


export type Auth = ReturnType<typeof createAuth>;
