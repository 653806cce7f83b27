import { describe, expect, it } from "vitest";
import { observeHttpRequest, recordJob, recordSyncRecords, renderMetrics, socketConnections } from "./metrics";

describe("metrics", () => {
  it("renders Prometheus text with default and Ferry metrics", async () => {
    const done = observeHttpRequest("get", "/api/trpc/[trpc]");
    done(200);
    recordJob("sync.incremental", "completed", 1.5);
    recordJob("sync.incremental", "failed", 0.2);
    recordSyncRecords("Account", "created", 120);
    recordSyncRecords("Account", "updated", 0);
    socketConnections.inc();
    socketConnections.inc();
    socketConnections.dec();

    const { contentType, body } = await renderMetrics();
    expect(contentType).toContain("text/plain");
    expect(body).toContain("process_cpu_user_seconds_total");
    expect(body).toContain('http_requests_total{method="GET",route="/api/trpc/[trpc]",status="200"} 1');
    expect(body).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/api\/trpc\/\[trpc\]",status="200"\} 1/);
    expect(body).toContain('jobs_total{queue="sync.incremental",outcome="completed"} 1');
    expect(body).toContain('jobs_total{queue="sync.incremental",outcome="failed"} 1');
    expect(body).toContain('job_duration_seconds_sum{queue="sync.incremental",outcome="completed"} 1.5');
    expect(body).toContain('sync_records_total{object="Account",operation="created"} 120');
    expect(body).not.toContain('operation="updated"');
    expect(body).toContain("socket_connections 1");
  });
});
