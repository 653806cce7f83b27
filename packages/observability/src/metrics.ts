import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * One registry per process: in embedded mode web and worker share it, so `/metrics` shows both.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export const httpRequestsTotal = new Counter({
  name: "http_requests_total",
  help: "HTTP requests served, by method, route template and status code.",
  labelNames: ["method", "route", "status"] as const,
  registers: [metricsRegistry],
});

export const httpRequestDurationSeconds = new Histogram({
  name: "http_request_duration_seconds",
  help: "HTTP request duration in seconds, by method, route template and status code.",
  labelNames: ["method", "route", "status"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

export type JobOutcome = "completed" | "retried" | "failed";

export const jobsTotal = new Counter({
  name: "jobs_total",
  help: "Background jobs finished, by queue and outcome (completed, retried, failed).",
  labelNames: ["queue", "outcome"] as const,
  registers: [metricsRegistry],
});

export const jobDurationSeconds = new Histogram({
  name: "job_duration_seconds",
  help: "Background job run time in seconds, by queue and outcome.",
  labelNames: ["queue", "outcome"] as const,
  buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
  registers: [metricsRegistry],
});

export type SyncOperation = "created" | "updated" | "deleted" | "pushed" | "failed";

export const syncRecordsTotal = new Counter({
  name: "sync_records_total",
  help: "Salesforce records processed by the sync engine, by object and operation.",
  labelNames: ["object", "operation"] as const,
  registers: [metricsRegistry],
});

export const socketConnections = new Gauge({
  name: "socket_connections",
  help: "Live socket.io connections on this process.",
  registers: [metricsRegistry],
});

/** Times one HTTP request; call the returned function with the status when the response ends. */
export function observeHttpRequest(method: string, route: string): (status: number) => void {
  const end = httpRequestDurationSeconds.startTimer();
  return (status) => {
    const labels = { method: method.toUpperCase(), route, status: String(status) };
    end(labels);
    httpRequestsTotal.inc(labels);
  };
}

export function recordJob(queue: string, outcome: JobOutcome, seconds: number): void {
  jobsTotal.inc({ queue, outcome });
  jobDurationSeconds.observe({ queue, outcome }, seconds);
}

export function recordSyncRecords(object: string, operation: SyncOperation, count: number): void {
  if (count > 0) syncRecordsTotal.inc({ object, operation }, count);
}

/** Body and content type for a `/metrics` response in the Prometheus text format. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() };
}
