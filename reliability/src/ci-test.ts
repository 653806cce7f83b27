// `pnpm test` of this package: the suite at CI size. It needs Postgres; like the other integration
// suites it steps aside when none answers on a developer machine (TEST_DATABASE_URL unset), but
// under CI (.ci/run starts Postgres) or with TEST_DATABASE_URL set a missing Postgres is an error.
import { spawnSync } from "node:child_process";
import { availableBackends, testAdminUrl } from "@ferry/db/testing";

const backends = await availableBackends();
if (!backends.includes("postgres")) {
  if (process.env.CI) {
    process.stderr.write(`reliability: no Postgres answers at ${testAdminUrl().replace(/:[^:@/]*@/, ":…@")}; CI must provide one (TEST_DATABASE_URL)\n`);
    process.exit(1);
  }
  process.stdout.write("reliability: skipped, no Postgres at 127.0.0.1:5432 (set TEST_DATABASE_URL to run it)\n");
  process.exit(0);
}
const run = spawnSync("vitest", ["run", ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, RELIABILITY_SIZE: "ci" } });
process.exit(run.status ?? 1);
