import { DatabaseLoginError } from "@ferry/db";
import { EnvError } from "@ferry/observability";
import { pruneExpired } from "@ferry/services";
import { createJobHandlers } from "@ferry/sync";
import { runWorkerProcess } from "./process";

// `pnpm build` starts the bundle once this way: every module above is loaded, so V8's code for it
// lands in the compile cache that ships beside the bundle, and nothing is started.
if (process.env.FERRY_WARM_UP === "compile-cache") process.exit(0);

const running = await runWorkerProcess({
  createHandlers: (dependencies) =>
    createJobHandlers({
      ...dependencies,
      prune: async (_payload, { logger }) => {
        const removed = await pruneExpired({ db: dependencies.database.platform });
        logger.info({ removed }, "pruned expired data");
      },
    }),
}).catch((error: unknown) => {
  if (error instanceof EnvError || error instanceof DatabaseLoginError) {
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
