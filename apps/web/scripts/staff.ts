/**
 * Operator command: give or take the support staff role.
 *
 *   pnpm --filter @ferry/web exec tsx scripts/staff.ts grant <email>
 *   pnpm --filter @ferry/web exec tsx scripts/staff.ts revoke <email>
 *
 * Uses the same settings as the server (DATABASE_URL, or the embedded data directory, which only
 * one process may open: stop the server first). Revoking ends the person's open support access at
 * once; running web servers move their sockets out of the tenant within the sweep interval.
 */
import path from "node:path";
import { migrate, openDatabase } from "@ferry/db";
import { findUserByEmail, setPlatformStaff } from "@ferry/services";
import { loadEnv } from "../src/server/env";

async function main() {
  const [verb, email] = process.argv.slice(2);
  if ((verb !== "grant" && verb !== "revoke") || !email) {
    throw new Error("Usage: tsx scripts/staff.ts grant|revoke <email>");
  }
  const env = loadEnv();
  const database = await openDatabase(
    env.embedded ? { dataDir: path.join(env.dataDir, "pglite") } : { url: env.DATABASE_URL, platformUrl: env.DATABASE_PLATFORM_URL },
  );
  try {
    // The same schema step the server runs at boot, so the command works on any data directory.
    await migrate(database);
    const user = await findUserByEmail({ db: database.platform, email });
    if (!user) throw new Error(`No account uses ${email}; the person signs up first (or list the email in FERRY_BOOTSTRAP_STAFF_EMAILS).`);
    const ended = await setPlatformStaff({ db: database.platform, userId: user.id, isStaff: verb === "grant" });
    process.stdout.write(
      verb === "grant" ? `${email} is now support staff.\n` : `${email} is no longer support staff; ${ended.length} open support access ended.\n`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
