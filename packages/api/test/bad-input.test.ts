import type { AddressInfo } from "node:net";
import { TRPCError } from "@trpc/server";
import { createHTTPServer } from "@trpc/server/adapters/standalone";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import { appRouter } from "../src";
import { malformedText } from "../src/trpc";
import { apiHarness, type ApiHarness } from "./harness";

// Found by the reliability fuzzer (reliability/test/fuzz.test.ts): a NUL character in any text
// input reached Postgres and came back as a 500, and a 256 KB object key came back inside a
// 262,175-character error message; an audit cursor in the year 275760 failed in Postgres.
describe("bad input is refused with a short message that names the field", () => {
  let database: TestDatabase;
  let api: ApiHarness;
  let owner: string;

  beforeAll(async () => {
    database = await createTestDatabase("pglite");
    api = apiHarness(database);
    owner = (await api.signUp({ name: "Olive Owner", email: "olive@bad-input.test", tenantName: "Bad Input Co" })).cookie;
  });
  afterAll(async () => database?.drop());

  async function refusal(work: Promise<unknown>): Promise<TRPCError> {
    const error = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof TRPCError)) throw new Error(`expected a refusal, got ${String(error)}`);
    return error;
  }

  it("refuses U+0000 in any string or key before the database sees it", async () => {
    const asOwner = await api.caller(owner);
    const anonymous = await api.caller();
    const remove = await refusal(asOwner.member.remove({ membershipId: "a\u0000b" }));
    expect(remove.code).toBe("BAD_REQUEST");
    expect(remove.message).toBe("membershipId: text may not contain the NUL character (\\u0000); remove it and send again.");
    expect((await refusal(anonymous.invitation.view({ invitationId: "\u0000" }))).code).toBe("BAD_REQUEST");
    const nested = await refusal(asOwner.record.list({ kind: "people", cursor: { key: "x\u0000", sfId: "00Q000000000001" } }));
    expect(nested.message).toMatch(/^cursor\.key: text may not contain the NUL character/);
    expect(malformedText({ a: [{ ["b\u0000"]: 1 }] })?.path).toBe("a.0");
    expect(malformedText({ a: ["fine", "\u0000"] })?.path).toBe("a.1");
    expect(malformedText({ a: "no NUL here", b: [1, true, null] })).toBeUndefined();
  });

  it("refuses an audit page cursor outside what Postgres can store instead of failing in the query", async () => {
    const asOwner = await api.caller(owner);
    const late = await refusal(asOwner.audit.list({ before: new Date(8.64e15) }));
    expect(late.code).toBe("BAD_REQUEST");
    expect(late.message).toBe("before: Use a date before the year 10000.");
    expect((await refusal(asOwner.audit.list({ before: new Date(-8.64e15) }))).message).toBe("before: Use a date from the year 2000 on.");
    expect(Array.isArray(await asOwner.audit.list({ before: new Date() }))).toBe(true);
  });

  it("answers an unreadable body over HTTP with what to send, not the parser's words", async () => {
    const server = createHTTPServer({
      router: appRouter,
      createContext: ({ req }) => ({
        db: database.db,
        platform: database.platform,
        auth: api.auth,
        session: null,
        requestId: "bad-input",
        headers: new Headers(req.headers as Record<string, string>),
        appendResponseHeader: () => {},
        portalUrl: "http://localhost:3000",
        showOutbox: false,
        sessionAbsoluteSeconds: 43200,
      }),
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const post = async (body: string) => {
        const response = await fetch(`${url}/account.signUp`, { method: "POST", headers: { "content-type": "application/json" }, body });
        return { status: response.status, message: ((await response.json()) as { error: { json: { message: string } } }).error.json.message };
      };
      const truncated = await post('{"json":{"name":');
      expect(truncated.status).toBe(400);
      expect(truncated.message).toMatch(/^The request could not be read \(.*JSON.*\)\. Send the input as JSON in tRPC's format/);
      const unknownClass = await post('{"json":{"x":1},"meta":{"values":{"x":[["class","Evil"]]}}}');
      expect(unknownClass.status).toBe(400);
      expect(unknownClass.message).toMatch(/^The request could not be read \(Trying to deserialize unknown class 'Evil'\)\./);
      expect(unknownClass.message).not.toMatch(/github/);
      const schema = await post(JSON.stringify({ json: { name: "", email: "x", password: "short" } }));
      expect(schema.message).toMatch(/^name: Enter your name\./);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("keeps validation messages short whatever the keys and however many the problems", async () => {
    const asOwner = await api.caller(owner);
    const hugeKey = await refusal(
      asOwner.record.edit({ object: "Lead", sfId: "00Q000000000001AAA", changes: { ["K".repeat(256 * 1024)]: { nested: 1 } as never } }),
    );
    expect(hugeKey.code).toBe("BAD_REQUEST");
    expect(hugeKey.message.length).toBeLessThan(300);
    expect(hugeKey.message).toMatch(/^changes\.K{40}…: /);
    const many = await refusal(asOwner.notification.markRead({ ids: Array.from({ length: 50 }, () => 7) as never }));
    expect(many.message).toMatch(/; and 40 more problems$/);
    expect(many.message.split("; ")).toHaveLength(11);
  });

  // Issue 13: four inputs that reached Postgres and came back as 500s.
  it("refuses a record search ending in U+FFFF, and still searches up to the last character below it", async () => {
    const asOwner = await api.caller(owner);
    const refused = await refusal(asOwner.record.list({ kind: "people", search: "ada\uffff" }));
    expect(refused.code).toBe("BAD_REQUEST");
    expect(refused.message).toBe("search: text may not contain the noncharacter U+FFFF; remove it and send again.");
    for (const search of ["ada\ufffd", "zo\u00eb", "rocket \u{1F680}", "\ud7ff"]) {
      expect((await asOwner.record.list({ kind: "people", search })).rows).toEqual([]);
    }
  });

  it("refuses a 9 KB invitation email as too long instead of failing in the index", async () => {
    const asOwner = await api.caller(owner);
    const refused = await refusal(asOwner.invitation.create({ email: `${"a".repeat(9000)}@example.test`, role: "viewer" }));
    expect(refused.code).toBe("BAD_REQUEST");
    expect(refused.message).toBe("email: An email address is at most 254 characters.");
    expect(await asOwner.invitation.list()).toEqual([]);
  });

  it("refuses lone surrogates in any string before they reach jsonb, and sign-up writes nothing", async () => {
    const anonymous = await api.caller();
    const signUp = await refusal(
      anonymous.account.signUp({ name: "Lone Surrogate", email: "lone@bad-input.test", password: "correct horse battery", tenantName: "Acme \ud800" }),
    );
    expect(signUp.code).toBe("BAD_REQUEST");
    expect(signUp.message).toBe("tenantName: text holds a lone surrogate (U+D800), half of a character; send well-formed UTF-16 text.");
    const asOwner = await api.caller(owner);
    const edit = await refusal(asOwner.record.edit({ object: "Lead", sfId: "00Q000000000001AAA", changes: { Company: "x\udfff" } }));
    expect(edit.message).toBe("changes.Company: text holds a lone surrogate (U+DFFF), half of a character; send well-formed UTF-16 text.");
    const key = await refusal(asOwner.record.edit({ object: "Lead", sfId: "00Q000000000001AAA", changes: { ["Bad\ud800Key"]: "x" } }));
    expect(key.message).toMatch(/^changes: a key: text holds a lone surrogate \(U\+D800\)/);
    // The same person signs up cleanly afterwards: the refused attempt left no account behind.
    expect((await api.signUp({ name: "Lone Surrogate", email: "lone@bad-input.test", tenantName: "Acme" })).tenantId).toBeTruthy();
  });
});
