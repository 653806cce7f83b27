import { SalesforceClientError } from "../errors";
import type { SalesforceApi } from "./client";

/** Salesforce's limits for one `/composite` request: 25 subrequests, of which at most 5 queries or collections. */
export const COMPOSITE_QUERIES = 5;
export const COMPOSITE_SUBREQUESTS = 25;

interface CompositeResponse {
  compositeResponse: { body: unknown; httpStatusCode: number; referenceId: string }[];
}

/**
 * GETs of REST resources (paths under `/services/data/vXX.X`) as few `/composite` requests as
 * Salesforce allows (25 subrequests, 5 of them queries): one API call per request, whatever it carries. Each answer is the
 * resource's body, or the SalesforceClientError its subrequest failed with. Subrequests are independent
 * (`allOrNone: false`). An org whose API has no `/composite` gets the requests one by one.
 */
export async function compositeGets<T>(api: SalesforceApi, paths: string[]): Promise<(T | SalesforceClientError)[]> {
  const answers: (T | SalesforceClientError)[] = new Array(paths.length);
  for (const group of packRequests(paths)) {
    if (group.length === 1) {
      answers[group[0]!] = await api.json<T>(paths[group[0]!]!).catch((error: unknown) => asApiError(error));
      continue;
    }
    let response: CompositeResponse;
    try {
      response = await api.json<CompositeResponse>("/composite", {
        method: "POST",
        body: {
          allOrNone: false,
          compositeRequest: group.map((k) => ({ method: "GET", url: `/services/data/v${api.version}${paths[k]}`, referenceId: `r${k}` })),
        },
      });
    } catch (error) {
      if (!(error instanceof SalesforceClientError) || error.status !== 404) throw error;
      for (const k of group) answers[k] = await api.json<T>(paths[k]!).catch((e: unknown) => asApiError(e));
      continue;
    }
    const byRef = new Map(response.compositeResponse.map((r) => [r.referenceId, r]));
    for (const k of group) {
      const r = byRef.get(`r${k}`);
      if (!r) answers[k] = new SalesforceClientError("MALFORMED_RESPONSE", `Salesforce's composite response has no answer for subrequest r${k}`);
      else if (r.httpStatusCode < 400) answers[k] = r.body as T;
      else {
        const first = (Array.isArray(r.body) ? r.body[0] : r.body) as { errorCode?: string; message?: string } | undefined;
        answers[k] = new SalesforceClientError(first?.errorCode ?? `ERROR_HTTP_${r.httpStatusCode}`, first?.message ?? "subrequest failed", {
          status: r.httpStatusCode,
        });
      }
    }
  }
  // A subrequest that failed for a passing reason (a 5xx, a lock, a limit hit) is sent again on its
  // own, with the client's retries and backoff: a composite request is not retried as a whole.
  for (let k = 0; k < paths.length; k++) {
    const a = answers[k];
    if (a instanceof SalesforceClientError && (a.status >= 500 || RETRIED_ALONE.has(a.code)))
      answers[k] = await api.json<T>(paths[k]!).catch((e: unknown) => asApiError(e));
  }
  return answers;
}

const RETRIED_ALONE = new Set([
  "UNABLE_TO_LOCK_ROW",
  "SERVER_UNAVAILABLE",
  "UNKNOWN_EXCEPTION",
  "QUERY_TIMEOUT",
  "REQUEST_LIMIT_EXCEEDED",
  "INVALID_SESSION_ID",
]);

/** Indexes of `paths` packed into requests: at most 25 subrequests, of which at most 5 queries. */
function packRequests(paths: string[]): number[][] {
  const groups: { items: number[]; queries: number }[] = [];
  paths.forEach((path, k) => {
    const query = /^\/query(All)?[/?]/.test(path);
    let group = groups.find((g) => g.items.length < COMPOSITE_SUBREQUESTS && (!query || g.queries < COMPOSITE_QUERIES));
    if (!group) groups.push((group = { items: [], queries: 0 }));
    group.items.push(k);
    if (query) group.queries++;
  });
  return groups.map((g) => g.items);
}

function asApiError(error: unknown): SalesforceClientError {
  if (error instanceof SalesforceClientError) return error;
  throw error;
}
