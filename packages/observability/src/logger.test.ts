import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, withContext } from "./logger";
import { REDACTED } from "./redact";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { lines, destination, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const secret = "s3cr3t-VALUE-9f2c";

describe("createLogger", () => {
  it("writes JSON lines with name, level label and ISO time", () => {
    const out = capture();
    const logger = createLogger({ name: "worker", level: "info", destination: out.destination });
    logger.info({ jobs: 3 }, "started");
    logger.debug("hidden below the level");
    const [record, ...rest] = out.records();
    expect(rest).toHaveLength(0);
    expect(record).toMatchObject({ name: "worker", level: "info", msg: "started", jobs: 3 });
    expect(new Date(String(record?.time)).toISOString()).toBe(record?.time);
  });

  it("never writes a secret, whatever the key's spelling or depth", () => {
    const out = capture();
    const logger = createLogger({ name: "web", destination: out.destination });
    logger.info(
      {
        password: secret,
        connection: { securityToken: secret, oauth: { accessToken: secret, refresh_token: secret, clientSecret: secret } },
        req: { headers: { Authorization: `Bearer ${secret}`, cookie: `session=${secret}`, "set-cookie": [secret] } },
        attempts: [{ token: secret }, { secret }],
        config: { masterKey: secret },
      },
      "connected",
    );
    const error = Object.assign(new Error("login failed"), { password: secret, details: { apiKey: secret } });
    logger.error({ err: error }, "failed");
    withContext(logger, { tenantId: "t1", accessToken: secret }).warn({ nested: { deeper: { deepest: { password: secret } } } }, "child");

    const text = out.lines.join("\n");
    expect(out.lines).toHaveLength(3);
    expect(text).not.toContain(secret);
    const [connected, failed, child] = out.records();
    expect(connected).toMatchObject({
      password: REDACTED,
      connection: { securityToken: REDACTED, oauth: { accessToken: REDACTED, refresh_token: REDACTED, clientSecret: REDACTED } },
      req: { headers: { Authorization: REDACTED, cookie: REDACTED, "set-cookie": REDACTED } },
      attempts: [{ token: REDACTED }, { secret: REDACTED }],
    });
    expect(failed).toMatchObject({ err: { type: "Error", message: "login failed", password: REDACTED, details: { apiKey: REDACTED } } });
    expect(String((failed?.err as { stack?: string }).stack)).toContain("login failed");
    expect(child).toMatchObject({ tenantId: "t1", accessToken: REDACTED, nested: { deeper: { deepest: { password: REDACTED } } } });
  });

  it("drops the bound values of a failed query from its message, stack and params", () => {
    const out = capture();
    const logger = createLogger({ name: "web", destination: out.destination });
    const cause = Object.assign(new Error("value too long for type character varying(80)"), { code: "22001" });
    const query = 'update "salesforce_connections" set "password" = $1 where "tenant_id" = $2';
    const failed = Object.assign(new Error(`Failed query: ${query}\nparams: ${secret},t1`), { query, params: [secret, "t1"], cause });
    logger.error({ err: failed, wrapped: { err: new Error("save failed", { cause: failed }) } }, "write failed");

    const text = out.lines.join("\n");
    expect(text).not.toContain(secret);
    const [record] = out.records();
    const err = record?.err as { message: string; stack: string; query: string; params: unknown };
    expect(err.message).toBe(`Failed query: ${query}\nparams: ${REDACTED}`);
    expect(err.query).toBe(query);
    expect(err.params).toBe(REDACTED);
    expect(err.stack).toContain("params: [redacted]\n    at ");
  });

  it("keeps non-secret values and survives circular objects", () => {
    const out = capture();
    const logger = createLogger({ name: "web", destination: out.destination });
    const loop: Record<string, unknown> = { tokenCount: 4, tokens: 2 };
    loop.self = loop;
    logger.info({ loop }, "loop");
    expect(out.records()[0]).toMatchObject({ loop: { tokenCount: 4, tokens: 2, self: "[circular]" } });
  });

  it("child loggers carry tenantId and requestId on every line", () => {
    const out = capture();
    const logger = createLogger({ name: "web", destination: out.destination });
    const scoped = withContext(logger, { tenantId: "tenant-a", requestId: "req-1", userId: undefined });
    scoped.info("one");
    withContext(scoped, { requestId: "req-2" }).info("two");
    const [one, two] = out.records();
    expect(one).toMatchObject({ tenantId: "tenant-a", requestId: "req-1", msg: "one" });
    expect(one).not.toHaveProperty("userId");
    expect(two).toMatchObject({ tenantId: "tenant-a", requestId: "req-2", msg: "two" });
  });
});
