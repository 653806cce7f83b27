import type { SalesforceApi } from "./client";

export interface QueryPage<T> {
  totalSize: number;
  done: boolean;
  records: T[];
  nextRecordsUrl?: string;
}

/** One REST query page; `all` reads through queryAll (deleted and merged rows included). */
export async function queryPage<T = Record<string, unknown>>(api: SalesforceApi, soql: string, all = false, batchSize = 2000): Promise<QueryPage<T>> {
  return api.json<QueryPage<T>>(`/${all ? "queryAll" : "query"}?q=${encodeURIComponent(soql)}`, {
    headers: { "Sforce-Query-Options": `batchSize=${batchSize}` },
  });
}

export async function nextPage<T>(api: SalesforceApi, nextRecordsUrl: string, batchSize = 2000): Promise<QueryPage<T>> {
  return api.json<QueryPage<T>>(nextRecordsUrl, { headers: { "Sforce-Query-Options": `batchSize=${batchSize}` } });
}

export async function countRecords(api: SalesforceApi, object: string, where = "", all = false): Promise<number> {
  const page = await queryPage(api, `SELECT COUNT() FROM ${object}${where ? ` WHERE ${where}` : ""}`, all);
  return page.totalSize;
}

export interface Limits {
  DailyApiRequests: { Max: number; Remaining: number };
}

export async function readLimits(api: SalesforceApi): Promise<Limits> {
  const limits = await api.json<Limits>("/limits");
  api.budget.observe(limits.DailyApiRequests.Max - limits.DailyApiRequests.Remaining, limits.DailyApiRequests.Max);
  return limits;
}
