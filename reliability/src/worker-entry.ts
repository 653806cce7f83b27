// The standalone worker exactly as `pnpm start:worker` runs it, with the page log loaded first.
import "./page-log";

await import("@ferry/worker/main");
