import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../src/index";
import jsforce from "jsforce";
import { errorOf, oauthLogin, soapLogin, start, VERSION } from "./helpers";

describe("Organization", () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await start({ organizationName: "Acme Emulated", orgNumber: 7 });
  });
  afterAll(() => emu.stop());

  it("is one queryable row: the org id, name, edition, sandbox flag and instance", async () => {
    const conn = await oauthLogin(emu);
    const res = await conn.query(
      "SELECT Id, Name, OrganizationType, IsSandbox, InstanceName, NamespacePrefix, TrialExpirationDate, CreatedDate FROM Organization",
    );
    expect(res.totalSize).toBe(1);
    const org = res.records[0]!;
    expect(org).toMatchObject({
      Name: "Acme Emulated",
      OrganizationType: "Enterprise Edition",
      IsSandbox: false,
      InstanceName: "NA224",
      NamespacePrefix: null,
      TrialExpirationDate: null,
    });
    expect(org.Id).toBe(conn.userInfo!.organizationId);
    // orgNumber 7: key prefix 00D, pod HE0, counter 7, checksum of "00DHE" / "00000" / "00007".
    expect(org.Id).toBe("00DHE00000000072AA");
    const byId = await conn.query(`SELECT Name FROM Organization WHERE Id = '${org.Id}'`);
    expect(byId.records[0]!.Name).toBe("Acme Emulated");
    const retrieved = await conn.sobject("Organization").retrieve(org.Id!);
    expect(retrieved.Name).toBe("Acme Emulated");
  });

  it("is described as read-mostly and cannot be created or deleted", async () => {
    const conn = await soapLogin(emu);
    const d = await conn.describe("Organization");
    expect(d).toMatchObject({ name: "Organization", keyPrefix: "00D", createable: false, deletable: false, queryable: true });
    expect(d.fields.find((f) => f.name === "IsSandbox")).toMatchObject({ type: "boolean", updateable: false });
    expect(d.fields.find((f) => f.name === "OrganizationType")?.picklistValues?.map((p) => p.value)).toContain("Developer Edition");
    const g = await conn.describeGlobal();
    expect(g.sobjects.map((s) => s.name)).toContain("Organization");
    const created = await errorOf(conn.sobject("Organization").create({ Name: "Second org" }));
    expect(created.errorCode).toBe("INVALID_TYPE_FOR_OPERATION");
    const orgId = conn.userInfo!.organizationId;
    expect((await errorOf(conn.sobject("Organization").destroy(orgId))).errorCode).toBe("INVALID_TYPE_FOR_OPERATION");
    expect((await conn.query("SELECT COUNT() FROM Organization")).totalSize).toBe(1);
  });

  it("reports a sandbox org with its edition option", async () => {
    const sandbox = await start({ isSandbox: true, edition: "Developer Edition" });
    try {
      const conn = new jsforce.Connection({ loginUrl: sandbox.sandboxLoginUrl, version: VERSION });
      const u = sandbox.users[0]!;
      await conn.login(u.username, u.password + u.securityToken);
      const res = await conn.query("SELECT Name, IsSandbox, InstanceName, OrganizationType FROM Organization");
      expect(res.records[0]).toMatchObject({ Name: "Ferry Emulator Org", IsSandbox: true, InstanceName: "CS224", OrganizationType: "Developer Edition" });
    } finally {
      await sandbox.stop();
    }
  });
});
