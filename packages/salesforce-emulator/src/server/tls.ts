import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";

export interface TlsFiles {
  /** The generated CA's certificate: what clients trust (NODE_EXTRA_CA_CERTS, `--cacert`). */
  caFile: string;
  key: Buffer;
  cert: Buffer;
}

/**
 * A CA and a server certificate for `host` (plus 127.0.0.1 and localhost), made with the system's
 * openssl into `dir`. An existing CA in `dir` is reused, so a client that already trusts it keeps working.
 */
export function generateTls(dir: string, host: string): TlsFiles {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => join(dir, name);
  const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  if (!existsSync(f("ca.pem")) || !existsSync(f("ca.key"))) {
    openssl([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      f("ca.key"),
      "-out",
      f("ca.pem"),
      "-days",
      "825",
      "-subj",
      "/CN=Ferry Salesforce Emulator CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
  }
  const names = new Set(["127.0.0.1", "localhost", host]);
  const san = [...names].map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  writeFileSync(f("server.ext"), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", f("server.key"), "-out", f("server.csr"), "-subj", `/CN=${host}`]);
  openssl([
    "x509",
    "-req",
    "-in",
    f("server.csr"),
    "-CA",
    f("ca.pem"),
    "-CAkey",
    f("ca.key"),
    "-CAcreateserial",
    "-out",
    f("server.pem"),
    "-days",
    "825",
    "-extfile",
    f("server.ext"),
  ]);
  return { caFile: f("ca.pem"), key: readFileSync(f("server.key")), cert: readFileSync(f("server.pem")) };
}
