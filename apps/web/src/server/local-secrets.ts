import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const localSecretsSchema = z.object({ authSecret: z.string().min(32), masterKey: z.string().min(43) });
export type LocalSecrets = z.infer<typeof localSecretsSchema>;

/**
 * The embedded mode needs no configuration, yet its secrets must survive restarts (sessions,
 * encrypted Salesforce credentials): they are generated once into the data directory, mode 0600.
 */
export function loadOrCreateLocalSecrets(dataDir: string): LocalSecrets {
  const file = path.join(dataDir, "secrets.json");
  if (existsSync(file)) {
    const parsed = localSecretsSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (!parsed.success)
      throw new Error(`${file} is damaged; delete it to generate new local secrets (existing sessions and stored Salesforce credentials will no longer work).`);
    return parsed.data;
  }
  mkdirSync(dataDir, { recursive: true });
  const secrets: LocalSecrets = {
    authSecret: randomBytes(32).toString("base64url"),
    masterKey: randomBytes(32).toString("base64"),
  };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}
