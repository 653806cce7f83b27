import type { IncomingMessage } from "node:http";
import { gunzip } from "node:zlib";
import { ApiError } from "../errors";

export interface Req {
  method: string;
  url: URL;
  /** Path with the login-host prefix (sandbox) stripped. */
  path: string;
  headers: IncomingMessage["headers"];
  text(): Promise<string>;
  json(): Promise<unknown>;
  form(): Promise<URLSearchParams>;
}

export interface Res {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Large bodies written chunk by chunk (chunked transfer encoding) instead of `body`. */
  stream?: Iterable<Buffer>;
  /** Records returned, for latency profiles that charge per record. */
  records?: number;
}

export const JSON_TYPE = "application/json;charset=UTF-8";

export function json(status: number, value: unknown, headers: Record<string, string> = {}): Res {
  return { status, headers: { "Content-Type": JSON_TYPE, ...headers }, body: JSON.stringify(value) };
}

export function noContent(headers: Record<string, string> = {}): Res {
  return { status: 204, headers };
}

export function apiError(e: ApiError): Res {
  return json(e.status, e.body());
}

const MAX_BODY = 150 * 1024 * 1024;

export function makeReq(raw: IncomingMessage, url: URL, path: string): Req {
  let cached: Promise<string> | undefined;
  const text = () =>
    (cached ??= new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      raw.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) reject(new ApiError(413, "REQUEST_ENTITY_TOO_LARGE", "Request body exceeds the maximum size"));
        else chunks.push(c);
      });
      raw.on("end", () => {
        const body = Buffer.concat(chunks);
        const encoding = String(raw.headers["content-encoding"] ?? "")
          .trim()
          .toLowerCase();
        if (encoding !== "gzip") return resolve(body.toString("utf8"));
        // Bulk uploads and REST bodies may be sent gzip-compressed (Content-Encoding: gzip).
        gunzip(body, (err, plain) => {
          if (err) reject(new ApiError(400, "INVALID_REQUEST", `The request body is not valid gzip: ${err.message}`));
          else if (plain.length > MAX_BODY) reject(new ApiError(413, "REQUEST_ENTITY_TOO_LARGE", "Request body exceeds the maximum size"));
          else resolve(plain.toString("utf8"));
        });
      });
      raw.on("error", reject);
    }));
  return reqFrom(raw.method ?? "GET", url, path, raw.headers, text);
}

/** A request built in memory: a composite subrequest runs through the same handlers as a real one. */
export function syntheticReq(method: string, url: URL, path: string, headers: IncomingMessage["headers"], body: string): Req {
  return reqFrom(method, url, path, headers, () => Promise.resolve(body));
}

function reqFrom(method: string, url: URL, path: string, headers: IncomingMessage["headers"], text: () => Promise<string>): Req {
  return {
    method,
    url,
    path,
    headers,
    text,
    async json() {
      const t = await text();
      if (!t.trim()) throw new ApiError(400, "JSON_PARSER_ERROR", "The request body is empty.");
      try {
        return JSON.parse(t) as unknown;
      } catch (e) {
        throw new ApiError(400, "JSON_PARSER_ERROR", `Unexpected character: was expecting a valid JSON value at [line:1, column:1] (${(e as Error).message})`);
      }
    },
    async form() {
      return new URLSearchParams(await text());
    },
  };
}

export type Handler = (req: Req, params: string[]) => Promise<Res> | Res;

export interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

/** First route whose method and pattern match; a path match with the wrong method gives 405. */
export async function dispatch(routes: Route[], req: Req, path: string): Promise<Res | undefined> {
  let pathMatched = false;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== req.method) continue;
    return r.handler(
      req,
      m.slice(1).map((s) => (s === undefined ? "" : decodeURIComponent(s))),
    );
  }
  if (pathMatched) {
    return json(405, [
      {
        errorCode: "METHOD_NOT_ALLOWED",
        message: `HTTP Method '${req.method}' not allowed. Allowed are ${routes
          .filter((r) => r.pattern.test(path))
          .map((r) => r.method)
          .join(",")}`,
      },
    ]);
  }
  return undefined;
}
