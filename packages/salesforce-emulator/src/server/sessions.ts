import { randomBytes } from "node:crypto";
import type { Org, OrgUser } from "../data/org";

export type LoginHost = "production" | "sandbox";

export interface Session {
  token: string;
  user: OrgUser;
  host: LoginHost;
  issuedAt: number;
  lastUsed: number;
  clientId: string | undefined;
}

export interface RefreshGrant {
  userId: string;
  clientId: string;
  host: LoginHost;
}

export interface AuthorizationCode {
  userId: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string | undefined;
  host: LoginHost;
  expiresAt: number;
  scope: string;
}

const opaque = (bytes: number) =>
  randomBytes(bytes)
    .toString("base64")
    .replace(/[^A-Za-z0-9]/g, "");

/** Access tokens, refresh tokens and authorization codes. Idle expiry runs on the wall clock. */
export class Sessions {
  readonly byToken = new Map<string, Session>();
  readonly refreshTokens = new Map<string, RefreshGrant>();
  readonly codes = new Map<string, AuthorizationCode>();

  constructor(
    private readonly org: Org,
    public idleTimeoutMs: number,
  ) {}

  issue(user: OrgUser, host: LoginHost, clientId?: string): Session {
    if (this.byToken.size > 10_000) this.sweep();
    const token = `${this.org.id.slice(0, 15)}!AQ${opaque(72)}`;
    const now = Date.now();
    const s: Session = { token, user, host, issuedAt: now, lastUsed: now, clientId };
    this.byToken.set(token, s);
    return s;
  }

  issueRefreshToken(user: OrgUser, clientId: string, host: LoginHost): string {
    const rt = `5Aep861${opaque(60)}`;
    this.refreshTokens.set(rt, { userId: user.id, clientId, host });
    return rt;
  }

  issueCode(code: Omit<AuthorizationCode, "expiresAt">): string {
    const c = `aPrx${opaque(48)}`;
    this.codes.set(c, { ...code, expiresAt: Date.now() + 15 * 60_000 });
    return c;
  }

  validate(token: string | undefined): Session | undefined {
    if (!token) return undefined;
    const s = this.byToken.get(token);
    if (!s) return undefined;
    const now = Date.now();
    if (now - s.lastUsed > this.idleTimeoutMs) {
      this.byToken.delete(token);
      return undefined;
    }
    s.lastUsed = now;
    return s;
  }

  private sweep(): void {
    const limit = Date.now() - this.idleTimeoutMs;
    for (const [token, s] of this.byToken) if (s.lastUsed < limit) this.byToken.delete(token);
    for (const [code, c] of this.codes) if (c.expiresAt < Date.now()) this.codes.delete(code);
  }

  /** Forced expiry for fault injection: every session (or one user's) becomes INVALID_SESSION_ID. */
  expire(username?: string): number {
    let n = 0;
    for (const [token, s] of this.byToken) {
      if (!username || s.user.username.toLowerCase() === username.toLowerCase()) {
        this.byToken.delete(token);
        n++;
      }
    }
    return n;
  }

  revoke(token: string): boolean {
    if (this.byToken.delete(token)) return true;
    const grant = this.refreshTokens.get(token);
    if (!grant) return false;
    this.refreshTokens.delete(token);
    // Revoking a refresh token also ends the sessions it produced.
    for (const [t, s] of this.byToken) if (s.user.id === grant.userId && s.clientId === grant.clientId) this.byToken.delete(t);
    return true;
  }

  clear(): void {
    this.byToken.clear();
    this.refreshTokens.clear();
    this.codes.clear();
  }
}

export function bearerToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const h = headers.authorization;
  const v = Array.isArray(h) ? h[0] : h;
  if (!v) return undefined;
  const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(v.trim());
  return m?.[1];
}
