import { z } from "zod";
import { ApiError } from "../errors";
import { encodeReplayId, GAP_TYPES, type BusEvent, type ChangeCapture } from "../cdc/capture";
import type { EmulatorContext } from "./context";
import { controlHandler } from "./control";
import type { Req, Route } from "./http";

const entities = z.object({ entities: z.array(z.string().min(1)).min(1) });
const gap = z.object({
  entity: z.string(),
  changeType: z.enum([...GAP_TYPES, "GAP_OVERFLOW"]).default("GAP_UPDATE"),
  recordIds: z.array(z.string()).default([]),
});
const overflow = z.object({ entity: z.string() });
const endStreams = z.object({ status: z.enum(["OK", "UNAVAILABLE", "INTERNAL", "ABORTED"]).default("OK"), message: z.string().optional() });
const slow = z.object({ delayMs: z.number().int().min(0).max(600_000) });
const keepalive = z.object({ keepaliveMs: z.number().int().min(50) });
const permission = z.object({ allowed: z.boolean() });

/** gRPC status codes a stream can be ended with (kept here so the HTTP side does not load grpc-js). */
const STATUS = { OK: 0, ABORTED: 10, INTERNAL: 13, UNAVAILABLE: 14 } as const;

async function body<T>(req: Req, schema: z.ZodType<T>): Promise<T> {
  const text = await req.text();
  const parsed = schema.safeParse(text.trim() ? JSON.parse(text) : {});
  if (!parsed.success) throw new ApiError(400, "INVALID_INPUT", z.prettifyError(parsed.error));
  return parsed.data;
}

/** The bus as the control API shows it: replay ids in base64 and as numbers, the payload decoded (nulls left out). */
export function describeEvent(capture: ChangeCapture, ev: BusEvent) {
  const decoded = capture.schemaById(ev.schemaId)!.type.fromBuffer(ev.payload) as Record<string, unknown>;
  const fields = Object.fromEntries(Object.entries(decoded).filter(([k, v]) => k !== "ChangeEventHeader" && v !== null));
  return { replayId: encodeReplayId(ev.seq).toString("base64"), seq: ev.seq, id: ev.id, entity: ev.entity, schemaId: ev.schemaId, header: ev.header, fields };
}

/** `/__emulator/cdc…`: Change Data Capture settings, the bus, and Pub/Sub stream faults. */
export function cdcControlRoutes(ctx: EmulatorContext): Route[] {
  const P = "^/__emulator/cdc";
  const capture = ctx.capture;
  const wrap = controlHandler;
  const server = () => {
    if (!ctx.pubsub) throw new ApiError(400, "PUBSUB_OFF", "The Pub/Sub API server is not running (start the emulator with pubsub / --pubsub).");
    return ctx.pubsub;
  };
  const state = () => {
    capture.flushNow();
    return {
      entities: [...capture.enabled].sort(),
      pubsub: ctx.pubsub ? { streams: ctx.pubsub.subscriptions.size, keepaliveMs: ctx.pubsub.keepaliveMs, delayMs: ctx.pubsub.faults.delayMs } : null,
      events: capture.events.length,
      earliestReplayId: capture.events.length ? encodeReplayId(capture.earliestSeq).toString("base64") : null,
      latestReplayId: encodeReplayId(capture.head).toString("base64"),
    };
  };
  return [
    { method: "GET", pattern: new RegExp(`${P}/?$`), handler: wrap(state) },
    {
      method: "PUT",
      pattern: new RegExp(`${P}/entities/?$`),
      handler: wrap(async (req) => {
        capture.disable([...capture.enabled]);
        capture.enable((await body(req, entities)).entities);
        return state();
      }),
    },
    {
      method: "POST",
      pattern: new RegExp(`${P}/entities/(\\w+)/?$`),
      handler: wrap((_r, [e]) => {
        capture.enable([e!]);
        return state();
      }),
    },
    {
      method: "DELETE",
      pattern: new RegExp(`${P}/entities/(\\w+)/?$`),
      handler: wrap((_r, [e]) => {
        capture.disable([e!]);
        return state();
      }),
    },
    {
      method: "GET",
      pattern: new RegExp(`${P}/events/?$`),
      handler: wrap((req) => {
        capture.flushNow();
        const after = Number(req.url.searchParams.get("after") ?? 0);
        const entity = req.url.searchParams.get("entity");
        return {
          events: capture
            .since(after)
            .filter((ev) => !entity || ev.entity === entity)
            .map((ev) => describeEvent(capture, ev)),
        };
      }),
    },
    {
      method: "POST",
      pattern: new RegExp(`${P}/faults/gap/?$`),
      handler: wrap(async (req) => {
        const b = await body(req, gap);
        return describeEvent(capture, capture.emitGap(b.entity, b.changeType, b.recordIds));
      }),
    },
    {
      method: "POST",
      pattern: new RegExp(`${P}/faults/overflow/?$`),
      handler: wrap(async (req) => describeEvent(capture, capture.emitGap((await body(req, overflow)).entity, "GAP_OVERFLOW", []))),
    },
    { method: "POST", pattern: new RegExp(`${P}/faults/expire-replay/?$`), handler: wrap(() => ({ expired: capture.expireAll() })) },
    {
      method: "POST",
      pattern: new RegExp(`${P}/faults/end-streams/?$`),
      handler: wrap(async (req) => {
        const b = await body(req, endStreams);
        return { ended: server().endAll(STATUS[b.status], b.message) };
      }),
    },
    { method: "POST", pattern: new RegExp(`${P}/faults/auth-expiry/?$`), handler: wrap(() => ({ ended: server().expireStreamSessions() })) },
    {
      method: "PUT",
      pattern: new RegExp(`${P}/faults/slow/?$`),
      handler: wrap(async (req) => {
        server().faults.delayMs = (await body(req, slow)).delayMs;
      }),
    },
    {
      method: "PUT",
      pattern: new RegExp(`${P}/permissions/([^/]+)/?$`),
      handler: wrap(async (req, [username]) => {
        const user = ctx.org.userByName(username!);
        if (!user) throw new ApiError(404, "NOT_FOUND", `Unknown user: ${username}`);
        if ((await body(req, permission)).allowed) capture.denied.delete(user.id);
        else capture.denied.add(user.id);
      }),
    },
    {
      method: "PUT",
      pattern: new RegExp(`${P}/keepalive/?$`),
      handler: wrap(async (req) => {
        server().keepaliveMs = (await body(req, keepalive)).keepaliveMs;
      }),
    },
  ];
}
