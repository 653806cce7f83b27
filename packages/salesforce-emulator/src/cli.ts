import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { DEFAULT_COUNTS, DEFAULT_OAUTH_CLIENT, DEFAULT_USERS, startEmulator, type UserOptions } from "./index";

/** Org sizes by name; `large` presents about five million records. */
export const ORG_SIZES: Record<string, Record<string, number>> = {
  small: DEFAULT_COUNTS,
  medium: {
    User: 50,
    Account: 50_000,
    Contact: 150_000,
    Lead: 250_000,
    Opportunity: 30_000,
    OpportunityContactRole: 30_000,
    Campaign: 200,
    CampaignMember: 40_000,
  },
  large: {
    User: 200,
    Account: 400_000,
    Contact: 1_000_000,
    Lead: 3_000_000,
    Opportunity: 250_000,
    OpportunityContactRole: 150_000,
    Campaign: 2_000,
    CampaignMember: 197_800,
  },
};

const usage = `Usage: pnpm emulator [options]

  --port <n>              port to listen on (default 8383; 0 = any free port)
  --host <addr>           interface to bind (default 127.0.0.1)
  --size <name>           org size: small | medium | large (default small; large ≈ 5,000,000 records)
  --count <Obj=n>         records for one object, repeatable (e.g. --count Lead=1000000)
  --seed <n>              generator seed (default 1)
  --latency <profile>     none | realistic (default none)
  --user <u:p[:token]>    login user, repeatable; the first is the full-access sync user
  --sandbox               the org is a sandbox (log in through the /sandbox login host)
  --org-number <n>        distinguishes the organization id when running several emulators (default 1)
  --org-name <name>       Organization.Name (default "Ferry Emulator Org")
  --edition <name>        Organization.OrganizationType (default "Enterprise Edition")
  --control               enable the /__emulator control API
  --auto-approve <user>   approve OAuth authorize requests as this user without a login page
  --bulk-page-size <n>    records per Bulk 2.0 results page (default 50000)
  --bulk-page-limit <n>   most records per Bulk 2.0 results page, whatever maxRecords asks (default none)
  --bulk-job-ms <n>       Bulk 2.0 job duration in ms (default 1500)
  --session-timeout <s>   idle session timeout in seconds (default 7200)
  --no-gzip               never compress responses (default: gzip when the client accepts it)
  --https                 serve https with a generated CA (written to --cert-dir; the path is printed)
  --cert-dir <dir>        where the CA and server certificate go (default: a new temporary directory)
  --pubsub                run the Pub/Sub API (gRPC) server: TLS with the emulator's CA (path printed)
  --pubsub-port <n>       its port (default 7443; 0 = any free port)
  --pubsub-plaintext      serve the Pub/Sub API without TLS (for clients that allow insecure channels)
  --pubsub-keepalive-ms <n>  empty FetchResponse after this idle time (default 270000, as Salesforce)
  --cdc <Obj,Obj|all>     objects with Change Data Capture on (repeatable; more through the control API)
  --jwt-cert <file>       PEM certificate (or public key) of the OAuth client, enabling the JWT bearer flow
  --late-modstamp <s:sec> a share s (0..1) of writes get a SystemModstamp up to sec seconds before
                          they become visible (exercises a sync's lookback), e.g. 0.1:30
  --help
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8383" },
      host: { type: "string", default: "127.0.0.1" },
      size: { type: "string", default: "small" },
      count: { type: "string", multiple: true },
      seed: { type: "string", default: "1" },
      latency: { type: "string", default: "none" },
      user: { type: "string", multiple: true },
      sandbox: { type: "boolean", default: false },
      "org-number": { type: "string", default: "1" },
      "org-name": { type: "string" },
      edition: { type: "string" },
      control: { type: "boolean", default: false },
      "auto-approve": { type: "string" },
      "bulk-page-size": { type: "string" },
      "bulk-page-limit": { type: "string" },
      "bulk-job-ms": { type: "string" },
      "session-timeout": { type: "string" },
      "no-gzip": { type: "boolean", default: false },
      "late-modstamp": { type: "string" },
      "jwt-cert": { type: "string" },
      https: { type: "boolean", default: false },
      pubsub: { type: "boolean", default: false },
      "pubsub-port": { type: "string", default: "7443" },
      "pubsub-plaintext": { type: "boolean", default: false },
      "pubsub-keepalive-ms": { type: "string" },
      cdc: { type: "string", multiple: true },
      "cert-dir": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const size = ORG_SIZES[values.size];
  if (!size) throw new Error(`Unknown --size ${values.size}; use ${Object.keys(ORG_SIZES).join(", ")}`);
  const counts: Record<string, number> = { ...size };
  for (const c of values.count ?? []) {
    const m = /^(\w+)=(\d+)$/.exec(c);
    if (!m) throw new Error(`--count expects Object=n, got ${c}`);
    counts[m[1]!] = Number(m[2]);
  }
  if (values.latency !== "none" && values.latency !== "realistic") throw new Error("--latency must be none or realistic");
  const users: UserOptions[] | undefined = values.user?.map((spec, k) => {
    const [username, password, securityToken] = spec.split(":");
    if (!username || !password) throw new Error(`--user expects username:password[:token], got ${spec}`);
    return {
      ...(k === 1 ? DEFAULT_USERS[1] : {}),
      username,
      password,
      securityToken: securityToken ?? "",
      firstName: k === 0 ? "Sync" : "User",
      lastName: `${k + 1}`,
    };
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const late = values["late-modstamp"] === undefined ? undefined : /^(0?\.\d+|1|0):(\d+)$/.exec(values["late-modstamp"]);
  if (values["late-modstamp"] !== undefined && !late) throw new Error("--late-modstamp expects share:seconds, e.g. 0.1:30");
  const cdc = (values.cdc ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  const emu = await startEmulator({
    cdc: cdc.includes("all") ? Object.keys(counts).filter((o) => o !== "User") : cdc,
    pubsub: values.pubsub
      ? { port: Number(values["pubsub-port"]), plaintext: values["pubsub-plaintext"], keepaliveMs: num(values["pubsub-keepalive-ms"]) }
      : false,
    port: Number(values.port),
    host: values.host,
    counts,
    seed: Number(values.seed),
    latency: values.latency,
    users,
    isSandbox: values.sandbox,
    orgNumber: Number(values["org-number"]),
    organizationName: values["org-name"],
    edition: values.edition,
    controlApi: values.control,
    autoApproveUser: values["auto-approve"],
    bulkPageSize: num(values["bulk-page-size"]),
    bulkPageLimit: num(values["bulk-page-limit"]),
    bulkJobDurationMs: num(values["bulk-job-ms"]),
    sessionTimeoutSeconds: num(values["session-timeout"]),
    compressResponses: !values["no-gzip"],
    https: values.https ? { certDir: values["cert-dir"] } : false,
    lateModstamp: late ? { share: Number(late[1]), maxSeconds: Number(late[2]) } : undefined,
    oauthClients: values["jwt-cert"]
      ? [{ ...DEFAULT_OAUTH_CLIENT, clientCredentialsUser: (users ?? DEFAULT_USERS)[0]!.username, jwtCertificate: readFileSync(values["jwt-cert"], "utf8") }]
      : undefined,
  });
  const client = emu.oauthClients[0]!;
  const lines = [
    `Salesforce emulator listening on ${emu.url}`,
    `  login URL:          ${values.sandbox ? emu.sandboxLoginUrl : emu.loginUrl}${values.sandbox ? "   (sandbox org)" : ""}`,
    `  instance URL:       ${emu.url}`,
    `  control API:        ${emu.controlUrl ?? "off (use --control)"}`,
    ...(emu.caFile ? [`  CA certificate:     ${emu.caFile}   (trust it: NODE_EXTRA_CA_CERTS=${emu.caFile})`] : []),
    ...(emu.pubsubEndpoint ? [`  Pub/Sub API:        ${emu.pubsubEndpoint}   (${emu.pubsubCaFile ? `TLS, CA ${emu.pubsubCaFile}` : "plaintext"})`] : []),
    `  CDC objects:        ${[...emu.capture.enabled].join(", ") || "none (use --cdc or PUT /__emulator/cdc/entities)"}`,
    `  OAuth client:       ${client.clientId} / ${client.clientSecret}`,
    `  records presented:  ${emu.org.totalRecords.toLocaleString("en-US")}  (${Object.entries(counts)
      .map(([o, n]) => `${o} ${n.toLocaleString("en-US")}`)
      .join(", ")})`,
    "  users (password + security token is the SOAP/OAuth password):",
    ...emu.users.map((u) => `    ${u.username.padEnd(32)} password ${u.password.padEnd(20)} token ${u.securityToken || "(none)"}`),
  ];
  process.stdout.write(lines.join("\n") + "\n");
  const stop = () => {
    emu.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
