import type { IncomingMessage } from "node:http";
import { afterSupportEnded } from "@ferry/api";
import { toHeaders } from "@ferry/auth";
import { endSupportAccessForUser, sweepSupportAccess } from "@ferry/services";
import type { Runtime } from "./runtime";

const SWEEP_MS = 2000;

/** Signing out ends the staff member's support access: the session that held it is gone. */
export async function sessionUserBeforeSignOut(runtime: Runtime, req: IncomingMessage): Promise<string | undefined> {
  const session = await runtime.sessionFromHeaders(toHeaders(req.headers));
  return session?.user.isStaff ? session.user.id : undefined;
}

export async function endSupportAfterSignOut(runtime: Runtime, userId: string, requestId: string): Promise<void> {
  const ended = await endSupportAccessForUser({ db: runtime.database.platform, userId, why: "signed_out", requestId });
  await afterSupportEnded(supportEffects(runtime, requestId), ended);
}

/**
 * Ends grants that expired or whose holder lost the staff flag, announces it and takes the
 * sockets out of the tenant's room. Each grant is ended exactly once even with several web
 * processes sweeping, so any of them may run it.
 */
export function startSupportSweep(runtime: Runtime): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepSupportAccess({ db: runtime.database.platform })
      .then((ended) => afterSupportEnded(supportEffects(runtime, "support-sweep"), ended))
      .catch((error: unknown) => runtime.logger.error({ err: error }, "support access sweep failed"))
      .finally(() => {
        running = false;
      });
  }, SWEEP_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function supportEffects(runtime: Runtime, requestId: string) {
  return {
    requestId,
    log: runtime.logger,
    ...(runtime.events ? { events: runtime.events } : {}),
    ...(runtime.refreshRooms ? { refreshRooms: runtime.refreshRooms } : {}),
  };
}
