import { sql } from "drizzle-orm";
import { rowsOf, type DatabaseHandle } from "@ferry/db";

export interface HeldLease {
  tenantId: string;
  epoch: number;
}

/**
 * The tenants whose stream should run anywhere: near-real-time on, syncing, not paused, and the
 * initial sync done (a stream adds changes to a copy; it does not make one).
 */
const WANTED = sql`
  c.near_real_time AND c.sync_enabled AND c.state = 'syncing'
  AND NOT EXISTS (SELECT 1 FROM sync_states st WHERE st.tenant_id = c.tenant_id AND st.paused_by_admin)
  AND EXISTS (SELECT 1 FROM sync_checkpoints k WHERE k.tenant_id = c.tenant_id AND k.initial_done_at IS NOT NULL)`;

/**
 * Lease rows in `cdc_streams`: a worker holds a tenant's stream while its lease is unexpired and
 * renews it every heartbeat; a dead worker's leases lapse and the next heartbeat of any other
 * worker takes them (raising the epoch, which fences the old holder's commits). Platform work
 * across tenants, like the scheduler's pass.
 */
export async function renewAndClaim(
  database: DatabaseHandle,
  owner: string,
  options: { ttlMs: number; held: string[]; maxClaims: number },
): Promise<{ kept: HeldLease[]; claimed: HeldLease[]; released: string[] }> {
  const ttl = `${Math.ceil(options.ttlMs)} milliseconds`;
  await database.platform.execute(sql`
    INSERT INTO cdc_streams (tenant_id) SELECT c.tenant_id FROM salesforce_connections c WHERE ${WANTED}
    ON CONFLICT (tenant_id) DO NOTHING`);
  // Streams this worker holds that are no longer wanted (turned off, paused, credentials stopped).
  const released = rowsOf(
    await database.platform.execute(sql`
      UPDATE cdc_streams s SET lease_owner = NULL, lease_expires_at = NULL, state = 'stopped', updated_at = now()
      WHERE s.lease_owner = ${owner}
        AND NOT EXISTS (SELECT 1 FROM salesforce_connections c WHERE c.tenant_id = s.tenant_id AND ${WANTED})
      RETURNING s.tenant_id`),
  ).map((r) => r.tenant_id as string);
  const kept = rowsOf(
    await database.platform.execute(sql`
      UPDATE cdc_streams SET lease_expires_at = now() + ${ttl}::interval
      WHERE lease_owner = ${owner} AND lease_expires_at > now()
      RETURNING tenant_id, lease_epoch`),
  ).map((r) => ({ tenantId: r.tenant_id as string, epoch: Number(r.lease_epoch) }));
  const claimed =
    options.maxClaims <= 0
      ? []
      : rowsOf(
          await database.platform.execute(sql`
            UPDATE cdc_streams s SET lease_owner = ${owner}, lease_epoch = s.lease_epoch + 1, lease_expires_at = now() + ${ttl}::interval,
                   state = CASE WHEN s.state = 'stopped' THEN 'starting' ELSE s.state END, updated_at = now()
            WHERE s.tenant_id IN (
              SELECT s2.tenant_id FROM cdc_streams s2 JOIN salesforce_connections c ON c.tenant_id = s2.tenant_id
              WHERE ${WANTED} AND (s2.lease_owner IS NULL OR s2.lease_expires_at IS NULL OR s2.lease_expires_at <= now())
              ORDER BY s2.tenant_id LIMIT ${options.maxClaims}
              FOR UPDATE OF s2 SKIP LOCKED)
            RETURNING s.tenant_id, s.lease_epoch`),
        ).map((r) => ({ tenantId: r.tenant_id as string, epoch: Number(r.lease_epoch) }));
  return { kept, claimed, released };
}

/** A stopping worker hands its streams back at once, so another takes them on its next heartbeat. */
export async function releaseAll(database: DatabaseHandle, owner: string): Promise<void> {
  await database.platform.execute(sql`UPDATE cdc_streams SET lease_owner = NULL, lease_expires_at = NULL, updated_at = now() WHERE lease_owner = ${owner}`);
}
