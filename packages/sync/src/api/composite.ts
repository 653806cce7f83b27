import { SalesforceApiError } from "../errors";
import type { SalesforceApi } from "./client";

/** Salesforce's limits for one `/composite` request: 25 subrequests, of which at most 5 queries or collections. */
export const COMPOSITE_QUERIES = 5;

interface CompositeResponse {
  compositeResponse: { body: unknown; httpStatusCode: number; referenceId: string }[];
}

/**
 * GETs of REST resources (paths under `/services/data/vXX.X`) as `/composite` requests of at most
 * `COMPOSITE_QUERIES` each: one API call per request, whatever it carries. Each answer is the
 * resource's body, or the SalesforceApiError its subrequest failed with. Subrequests are independent
 * (`allOrNone: false`). An org whose API has no `/composite` gets the requests one by one.
 */
export async function compositeGets<T>(api: SalesforceApi, paths: string[]): Promise<(T | SalesforceApiError)[]> {
  const answers: (T | SalesforceApiError)[] = [];
  for (let k = 0; k < paths.length; k += COMPOSITE_QUERIES) {
    const group = paths.slice(k, k + COMPOSITE_QUERIES);
    if (group.length === 1) {
      answers.push(await api.json<T>(group[0]!).catch((error: unknown) => asApiError(error)));
      continue;
    }
    let response: CompositeResponse;
    try {
      response = await api.json<CompositeResponse>("/composite", {
        method: "POST",
        body: { allOrNone: false, compositeRequest: group.map((path, i) => ({ method: "GET", url: `/services/data/v${api.version}${path}`, referenceId: `r${i}` })) },
      });
    } catch (error) {
      if (!(error instanceof SalesforceApiError) || error.status !== 404) throw error;
      for (const path of group) answers.push(await api.json<T>(path).catch((e: unknown) => asApiError(e)));
      continue;
    }
    const byRef = new Map(response.compositeResponse.map((r) => [r.referenceId, r]));
    group.forEach((_, i) => {
      const r = byRef.get(`r${i}`);
      if (!r) answers.push(new SalesforceApiError("MALFORMED_RESPONSE", `Salesforce's composite response has no answer for subrequest r${i}`, 0));
      else if (r.httpStatusCode < 400) answers.push(r.body as T);
      else {
        const first = (Array.isArray(r.body) ? r.body[0] : r.body) as { errorCode?: string; message?: string } | undefined;
        answers.push(new SalesforceApiError(first?.errorCode ?? `ERROR_HTTP_${r.httpStatusCode}`, first?.message ?? "subrequest failed", r.httpStatusCode));
      }
    });
  }
  return answers;
}

function asApiError(error: unknown): SalesforceApiError {
  if (error instanceof SalesforceApiError) return error;
  throw error;
}
