import { EnvError } from "@ferry/observability";
import { createJobHandlers } from "./handlers";
import { runWorkerProcess } from "./process";

// maintenance.prune is registered once a prune verb exists in @ferry/services: pass it as `prune`.
const running = await runWorkerProcess({ createHandlers: createJobHandlers }).catch((error: unknown) => {
  if (error instanceof EnvError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`${JSON.stringify({ level: "fatal", name: "worker", msg: "worker failed to start", err: String(error) })}\n`);
  }
  process.exit(1);
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    running.logger.info({ signal }, "shutting down");
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        running.logger.fatal({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}
