import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { Auth } from "@ferry/auth";
import type { PlatformDatabase } from "@ferry/db";
import { createTenantForOwner, findUserByEmail, markEmailVerified, setPlatformStaff } from "@ferry/services";

const credentialsSchema = z.object({
  admin: z.object({ email: z.string(), password: z.string() }),
  staff: z.object({ email: z.string(), password: z.string() }),
  tenantName: z.string(),
});
export type DemoCredentials = z.infer<typeof credentialsSchema>;

/**
 * The demo tenant, its admin and a support staff user. Passwords are random per data directory
 * (never a shared default) and kept beside the database so every start can print them.
 */
export async function seedDemo({ db, auth, dataDir }: { db: PlatformDatabase; auth: Auth; dataDir: string }): Promise<DemoCredentials> {
  const file = path.join(dataDir, "demo-credentials.json");
  const credentials: DemoCredentials = existsSync(file)
    ? credentialsSchema.parse(JSON.parse(readFileSync(file, "utf8")))
    : {
        admin: { email: "admin@demo.ferry.test", password: randomBytes(9).toString("base64url") },
        staff: { email: "support@ferry.test", password: randomBytes(9).toString("base64url") },
        tenantName: "Demo Company",
      };
  writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });

  const admin = await ensureUser(db, auth, credentials.admin, "Dana Admin");
  if (admin.created)
    await createTenantForOwner({
      db,
      actor: { userId: admin.id, email: credentials.admin.email, name: "Dana Admin", isStaff: false },
      input: { name: credentials.tenantName },
    });
  const staff = await ensureUser(db, auth, credentials.staff, "Sam Support");
  await setPlatformStaff({ db, userId: staff.id, isStaff: true });
  return credentials;
}

async function ensureUser(db: PlatformDatabase, auth: Auth, who: { email: string; password: string }, name: string) {
  const existing = await findUserByEmail({ db, email: who.email });
  if (existing) return { id: existing.id, created: false };
  const result = await auth.api.signUpEmail({ body: { email: who.email, password: who.password, name } });
  // The demo's own users have no mailbox to open a verification link from.
  await markEmailVerified({ db, userId: result.user.id });
  return { id: result.user.id, created: true };
}
