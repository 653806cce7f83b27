/**
 * The real Salesforce CLI (`@salesforce/cli` from npm, unchanged) against a fresh emulator.
 * Slow (installs the CLI on first run, each command starts a Node process), so it runs apart from
 * `pnpm test`: `pnpm --filter @ferry/salesforce-emulator test:cli`.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import jsforce, { type Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { DEFAULT_OAUTH_CLIENT, startEmulator, type EmulatorHandle } from "../src/index";

const jwtKeys = generateKeyPairSync("rsa", { modulusLength: 2048 });

const run = promisify(execFile);
const SF_CLI_VERSION = "2.150.6";
const repoRoot = resolve(import.meta.dirname, "../../..");
const cliDir = process.env.SF_CLI_DIR ?? join(repoRoot, ".tools", `sf-cli-${SF_CLI_VERSION}`);
const sfBin = join(cliDir, "node_modules", ".bin", "sf");

let emu: EmulatorHandle;
let conn: Connection;
let home: string;
let work: string;
let env: NodeJS.ProcessEnv;

async function installCli(): Promise<void> {
  if (existsSync(sfBin)) return;
  await run("npm", ["install", "--prefix", cliDir, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", `@salesforce/cli@${SF_CLI_VERSION}`], {
    env: { ...process.env, npm_config_cache: process.env.npm_config_cache ?? join(repoRoot, ".tools", "npm-cache") },
    maxBuffer: 64 * 1024 * 1024,
  });
}

async function sf(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(sfBin, args, { env, cwd: work, maxBuffer: 64 * 1024 * 1024, timeout: 180_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

async function sfJson<T>(args: string[]): Promise<T> {
  const r = await sf([...args, "--json"]);
  if (r.code !== 0) throw new Error(`sf ${args.join(" ")} exited ${r.code}: ${r.stdout}${r.stderr}`);
  return (JSON.parse(r.stdout) as { result: T }).result;
}

beforeAll(async () => {
  await installCli();
  emu = await startEmulator({
    port: 0,
    counts: { User: 12, Account: 120, Contact: 240, Lead: 500, Opportunity: 60, OpportunityContactRole: 20, Campaign: 5, CampaignMember: 30 },
    bulkJobDurationMs: 200,
    oauthClients: [{ ...DEFAULT_OAUTH_CLIENT, jwtCertificate: jwtKeys.publicKey.export({ type: "spki", format: "pem" }).toString() }],
  });
  const client = emu.oauthClients[0]!;
  conn = new jsforce.Connection({ oauth2: { loginUrl: emu.loginUrl, clientId: client.clientId, clientSecret: client.clientSecret }, version: "62.0" });
  const u = emu.users[0]!;
  await conn.login(u.username, u.password + u.securityToken);
  home = await mkdtemp(join(tmpdir(), "emu-sf-home-"));
  work = await mkdtemp(join(tmpdir(), "emu-sf-work-"));
  const nodeBin = resolve(process.execPath, "..");
  env = {
    PATH: `${join(cliDir, "node_modules", ".bin")}:${nodeBin}:/usr/bin:/bin`,
    HOME: home,
    SF_ACCESS_TOKEN: conn.accessToken!,
    SF_DISABLE_TELEMETRY: "true",
    SF_AUTOUPDATE_DISABLE: "true",
    SF_SKIP_NEW_VERSION_CHECK: "true",
    SF_USE_GENERIC_UNIX_KEYCHAIN: "true",
    SF_DISABLE_LOG_FILE: "true",
    NO_COLOR: "1",
  };
}, 600_000);

afterAll(async () => {
  await emu?.stop();
  if (home) await rm(home, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the Salesforce CLI, unchanged", { timeout: 240_000 }, () => {
  it("logs in with an access token and displays the org", async () => {
    const login = await sf(["org", "login", "access-token", "--instance-url", emu.url, "--no-prompt", "--alias", "emu"]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`Successfully authorized sync@ferry.emulator with org ID ${emu.org.id}`);
    const display = await sfJson<{ id: string; username: string; instanceUrl: string; connectedStatus: string }>(["org", "display", "-o", "emu"]);
    expect(display).toMatchObject({ id: emu.org.id, username: "sync@ferry.emulator", connectedStatus: "Connected" });
  });

  it("queries, plain and --json", async () => {
    const q = "SELECT Id, Name, Owner.Name FROM Account ORDER BY Id LIMIT 3";
    const plain = await sf(["data", "query", "-q", q, "-o", "emu"]);
    expect(plain.code, plain.stderr).toBe(0);
    for (const id of ["001HE0000000001YAA", "001HE0000000002YAA", "001HE0000000003YAA"]) expect(plain.stdout).toContain(id);
    expect(plain.stdout).toContain("Total number of records retrieved: 3.");
    const json = await sfJson<{ totalSize: number; records: { Id: string; Owner: { Name: string } }[] }>(["data", "query", "-q", q, "-o", "emu"]);
    expect(json.totalSize).toBe(3);
    expect(json.records.map((r) => r.Id)).toEqual(["001HE0000000001YAA", "001HE0000000002YAA", "001HE0000000003YAA"]);
    expect(typeof json.records[0]!.Owner.Name).toBe("string");
  });

  it("describes and lists sObjects", async () => {
    const d = await sfJson<{ name: string; fields: { name: string }[] }>(["sobject", "describe", "-s", "Account", "-o", "emu"]);
    expect(d.name).toBe("Account");
    expect(d.fields.map((f) => f.name)).toEqual(expect.arrayContaining(["Id", "Name", "BillingCity"]));
    const list = await sf(["sobject", "list", "-o", "emu"]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split("\n")).toEqual(expect.arrayContaining(["Account", "Lead", "Organization"]));
  });

  it("creates, gets, updates (by id and --where) and deletes a record", async () => {
    const created = await sfJson<{ id: string }>(["data", "create", "record", "-s", "Account", "-v", "Name='CLI Co' Industry=Banking", "-o", "emu"]);
    expect(created.id).toMatch(/^001\w{15}$/);
    const got = await sfJson<{ Name: string; Industry: string }>(["data", "get", "record", "-s", "Account", "-i", created.id, "-o", "emu"]);
    expect(got).toMatchObject({ Name: "CLI Co", Industry: "Banking" });
    await sfJson(["data", "update", "record", "-s", "Account", "-i", created.id, "-v", "Industry=Energy", "-o", "emu"]);
    await sfJson(["data", "update", "record", "-s", "Account", "-w", "Name='CLI Co'", "-v", "Phone='555 0199'", "-o", "emu"]);
    const stored = await conn.sobject("Account").retrieve(created.id);
    expect(stored).toMatchObject({ Industry: "Energy", Phone: "555 0199" });
    await sfJson(["data", "delete", "record", "-s", "Account", "-w", "Name='CLI Co'", "-o", "emu"]);
    expect((await conn.query("SELECT COUNT() FROM Account WHERE Name = 'CLI Co'")).totalSize).toBe(0);
  });

  it("exports, imports, upserts and deletes in bulk", async () => {
    const exported = await sf(["data", "export", "bulk", "-q", "SELECT Id, Name FROM Account", "--output-file", "accounts.csv", "-o", "emu", "--wait", "2"]);
    expect(exported.code, exported.stdout + exported.stderr).toBe(0);
    const csv = (await readFile(join(work, "accounts.csv"), "utf8")).trim().split("\n");
    expect(csv[0]).toBe('"Id","Name"');
    expect(csv).toHaveLength(1 + 120);

    await writeFile(join(work, "import.csv"), "Name,Industry,ExternalKey__c\nBulk One,Banking,BLK-1\nBulk Two,Energy,BLK-2\n");
    const imported = await sf(["data", "import", "bulk", "-s", "Account", "--file", "import.csv", "-o", "emu", "--wait", "2"]);
    expect(imported.code, imported.stdout + imported.stderr).toBe(0);
    await writeFile(join(work, "upsert.csv"), "ExternalKey__c,Name,Industry\nBLK-1,Bulk One,Retail\nBLK-3,Bulk Three,Retail\n");
    const upserted = await sf([
      "data",
      "upsert",
      "bulk",
      "-s",
      "Account",
      "--file",
      "upsert.csv",
      "--external-id",
      "ExternalKey__c",
      "-o",
      "emu",
      "--wait",
      "2",
    ]);
    expect(upserted.code, upserted.stdout + upserted.stderr).toBe(0);
    const rows = await conn.query<{ Id: string; ExternalKey__c: string; Industry: string }>(
      "SELECT Id, ExternalKey__c, Industry FROM Account WHERE ExternalKey__c LIKE 'BLK-%' ORDER BY ExternalKey__c",
    );
    expect(rows.records.map((r) => [r.ExternalKey__c, r.Industry])).toEqual([
      ["BLK-1", "Retail"],
      ["BLK-2", "Energy"],
      ["BLK-3", "Retail"],
    ]);

    await writeFile(join(work, "delete.csv"), `Id\n${rows.records.map((r) => r.Id).join("\n")}\n`);
    const deleted = await sf(["data", "delete", "bulk", "-s", "Account", "--file", "delete.csv", "-o", "emu", "--wait", "2"]);
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    expect((await conn.query("SELECT COUNT() FROM Account WHERE ExternalKey__c LIKE 'BLK-%'")).totalSize).toBe(0);
  });

  it("exports a tree of parents and children and imports it again", async () => {
    const r = await sf([
      "data",
      "export",
      "tree",
      "-q",
      "SELECT Id, Name, (SELECT LastName FROM Contacts) FROM Account ORDER BY Id LIMIT 2",
      "-o",
      "emu",
      "--output-dir",
      "tree",
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const files = await readdir(join(work, "tree"));
    expect(files).toEqual(["Account-Contact.json"]);
    const tree = JSON.parse(await readFile(join(work, "tree", files[0]!), "utf8")) as { records: { attributes: { type: string }; Name: string }[] };
    expect(tree.records).toHaveLength(2);
    expect(tree.records[0]!.attributes.type).toBe("Account");

    for (const rec of tree.records) rec.Name = `Copied ${rec.Name}`;
    await writeFile(join(work, "tree", files[0]!), JSON.stringify(tree));
    const imported = await sf(["data", "import", "tree", "--files", join("tree", files[0]!), "-o", "emu"]);
    expect(imported.code, imported.stdout + imported.stderr).toBe(0);
    const copies = await conn.query<{ Name: string; Contacts: { totalSize: number } | null }>(
      "SELECT Name, (SELECT Id FROM Contacts) FROM Account WHERE Name LIKE 'Copied %'",
    );
    expect(copies.totalSize).toBe(2);
  });

  it("displays API limits and record counts", async () => {
    const api = await sfJson<{ name: string; max: number; remaining: number }[]>(["limits", "api", "display", "-o", "emu"]);
    const daily = api.find((l) => l.name === "DailyApiRequests")!;
    expect(daily.max).toBe(15_000);
    // The CLI may make further calls after reading /limits, so the org's counter can have moved on since.
    expect(15_000 - daily.remaining).toBeGreaterThan(10);
    expect(15_000 - daily.remaining).toBeLessThanOrEqual(emu.state().apiUsage.used);
    const orgLimits = await sfJson<{ name: string }[]>(["org", "list", "limits", "-o", "emu"]);
    expect(orgLimits.map((l) => l.name)).toContain("DataStorageMB");
    const counts = await sfJson<{ name: string; count: number }[]>(["limits", "recordcounts", "display", "-s", "Lead,Campaign", "-o", "emu"]);
    expect(counts).toEqual(
      expect.arrayContaining([
        { name: "Lead", count: 500 },
        { name: "Campaign", count: 5 },
      ]),
    );
  });

  it("logs out", async () => {
    const r = await sf(["org", "logout", "-o", "emu", "--no-prompt"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Successfully logged out");
  });

  // Last: a login for the same username takes the user's alias over.
  it("logs in with the JWT bearer flow", async () => {
    await writeFile(join(work, "jwt.key"), jwtKeys.privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    const login = await sf([
      "org",
      "login",
      "jwt",
      "--client-id",
      DEFAULT_OAUTH_CLIENT.clientId,
      "--jwt-key-file",
      "jwt.key",
      "--username",
      "sync@ferry.emulator",
      "--instance-url",
      emu.url,
      "--alias",
      "jwt",
    ]);
    expect(login.code, login.stdout + login.stderr).toBe(0);
    const org = await sfJson<{ records: { Name: string }[] }>(["data", "query", "-q", "SELECT Name FROM Organization", "-o", "jwt"]);
    expect(org.records[0]!.Name).toBe("Ferry Emulator Org");
  });
});
