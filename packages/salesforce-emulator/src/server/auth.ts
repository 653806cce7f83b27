import { createHash, createHmac, createPublicKey, createVerify } from "node:crypto";
import type { OrgUser } from "../data/org";
import type { EmulatorContext, OAuthClient } from "./context";
import { json, JSON_TYPE, type Req, type Res, type Route } from "./http";
import { bearerToken, type LoginHost, type Session } from "./sessions";
import { SOAP_OPERATIONS, soapFault, soapOk, soapOperation, xmlEscape, xmlUnescape } from "./soap";

const htmlEscape = (s: string) => xmlEscape(s);

const INVALID_LOGIN = "Invalid username, password, security token; or user locked out.";

/** Password check as Salesforce does it from an untrusted network: password immediately followed by the security token. */
export function checkPassword(ctx: EmulatorContext, username: string, password: string, host: LoginHost): OrgUser | undefined {
  const user = ctx.org.userByName(username);
  if (!user) return undefined;
  if (ctx.org.isSandbox !== (host === "sandbox")) return undefined;
  const ok = password === user.password + user.securityToken || (!ctx.config.requireSecurityToken && password === user.password);
  return ok ? user : undefined;
}

export function identityUrl(ctx: EmulatorContext, host: LoginHost, user: OrgUser): string {
  return `${ctx.loginBase(host)}/id/${ctx.org.id}/${user.id}`;
}

async function soap(ctx: EmulatorContext, req: Req, host: LoginHost, version: string): Promise<Res> {
  const body = await req.text();
  const tag = (name: string) => {
    const m = new RegExp(`<(?:\\w+:)?${name}[^>]*>([\\s\\S]*?)</(?:\\w+:)?${name}>`).exec(body);
    return m ? xmlUnescape(m[1]!) : undefined;
  };
  const v = Number(version);
  if (/<(?:\w+:)?logout[\s/>]/.test(body)) {
    const sid = tag("sessionId");
    if (!sid || !ctx.sessions.validate(sid)) return soapFault("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session");
    ctx.sessions.revoke(sid);
    return soapOk("<logoutResponse/>");
  }
  if (!/<(?:\w+:)?login[\s>]/.test(body)) {
    const op = SOAP_OPERATIONS.find((name) => new RegExp(`<(?:\\w+:)?${name}[\\s/>]`).test(body));
    const session = ctx.sessions.validate(tag("sessionId"));
    if (!session) return soapFault("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session");
    if (!op) return soapFault("INVALID_OPERATION", "This SOAP partner API call is not emulated; use the REST API");
    if (ctx.org.apiUsage >= ctx.org.dailyApiLimit) return soapFault("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
    ctx.org.apiUsage++;
    return soapOperation(ctx, session.user, op, body);
  }
  if (v < ctx.config.minApiVersion) return soapFault("UNSUPPORTED_API_VERSION", `Invalid Api version specified on URL`);
  if (v >= 65) return soapFault("INVALID_OPERATION", "SOAP API login() is not supported from API version 65.0; use OAuth 2.0");
  const user = checkPassword(ctx, tag("username") ?? "", tag("password") ?? "", host);
  if (!user) return soapFault("INVALID_LOGIN", INVALID_LOGIN, "LoginFault");
  const session = ctx.sessions.issue(user, host);
  const base = ctx.baseUrl();
  const org = ctx.org;
  const result =
    `<loginResponse><result><metadataServerUrl>${base}/services/Soap/m/${version}/${org.id.slice(0, 15)}</metadataServerUrl>` +
    `<passwordExpired>${user.passwordExpired}</passwordExpired><sandbox>${org.isSandbox}</sandbox>` +
    `<serverUrl>${base}/services/Soap/u/${version}/${org.id.slice(0, 15)}</serverUrl><sessionId>${session.token}</sessionId><userId>${user.id}</userId>` +
    `<userInfo><accessibilityMode>false</accessibilityMode><currencySymbol>$</currencySymbol><orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit><orgDefaultCurrencyIsoCode>USD</orgDefaultCurrencyIsoCode>` +
    `<orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments><orgHasPersonAccounts>false</orgHasPersonAccounts><organizationId>${org.id}</organizationId><organizationMultiCurrency>false</organizationMultiCurrency>` +
    `<organizationName>${xmlEscape(org.name)}</organizationName><profileId>00eHE0000000001AAA</profileId><roleId xsi:nil="true"/><sessionSecondsValid>${Math.floor(ctx.sessions.idleTimeoutMs / 1000)}</sessionSecondsValid>` +
    `<userDefaultCurrencyIsoCode xsi:nil="true"/><userEmail>${xmlEscape(user.email)}</userEmail><userFullName>${xmlEscape(user.displayName)}</userFullName><userId>${user.id}</userId>` +
    `<userLanguage>en_US</userLanguage><userLocale>en_US</userLocale><userName>${xmlEscape(user.username)}</userName><userTimeZone>GMT</userTimeZone><userType>Standard</userType><userUiSkin>Theme3</userUiSkin></userInfo></result></loginResponse>`;
  return soapOk(result);
}

const oauthError = (status: number, error: string, description: string) => json(status, { error, error_description: description });

function findClient(ctx: EmulatorContext, clientId: string | null): OAuthClient | undefined {
  return ctx.config.oauthClients.find((c) => c.clientId === clientId);
}

function tokenResponse(ctx: EmulatorContext, session: Session, clientSecret: string, refreshToken?: string, scope = "api refresh_token full") {
  const id = identityUrl(ctx, session.host, session.user);
  const issuedAt = String(session.issuedAt);
  const signature = createHmac("sha256", clientSecret || "emulator")
    .update(id + issuedAt)
    .digest("base64");
  return json(200, {
    access_token: session.token,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    signature,
    scope,
    instance_url: ctx.baseUrl(),
    id,
    token_type: "Bearer",
    issued_at: issuedAt,
  });
}

const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/**
 * OAuth 2.0 JWT bearer flow: an RS256 assertion with iss = client id, sub = username, aud = the login
 * host, exp in the future, signed with the key whose certificate the connected app holds.
 */
function jwtBearer(ctx: EmulatorContext, assertion: string, host: LoginHost): Res {
  const parts = assertion.split(".");
  const decode = (s: string) => {
    try {
      return JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const header = parts.length === 3 ? decode(parts[0]!) : undefined;
  const claims = parts.length === 3 ? decode(parts[1]!) : undefined;
  if (!header || !claims) return oauthError(400, "invalid_grant", "invalid assertion");
  const client = findClient(ctx, typeof claims.iss === "string" ? claims.iss : null);
  if (!client) return oauthError(400, "invalid_client_id", "client identifier invalid");
  if (!client.jwtCertificate || header.alg !== "RS256") return oauthError(400, "invalid_grant", "invalid assertion");
  let signed: boolean;
  try {
    signed = createVerify("RSA-SHA256").update(`${parts[0]}.${parts[1]}`).verify(createPublicKey(client.jwtCertificate), Buffer.from(parts[2]!, "base64url"));
  } catch {
    signed = false;
  }
  if (!signed) return oauthError(400, "invalid_grant", "invalid assertion");
  const audiences =
    host === "sandbox" ? [ctx.loginBase("sandbox"), "https://test.salesforce.com"] : [ctx.loginBase("production"), "https://login.salesforce.com"];
  const aud = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).map((a) => String(a).replace(/\/$/, ""));
  if (!aud.some((a) => audiences.includes(a))) return oauthError(400, "invalid_grant", "audience is invalid");
  if (typeof claims.exp !== "number" || claims.exp * 1000 < Date.now()) return oauthError(400, "invalid_grant", "expired authorization code");
  const user = ctx.org.userByName(typeof claims.sub === "string" ? claims.sub : "");
  if (!user || ctx.org.isSandbox !== (host === "sandbox")) return oauthError(400, "invalid_grant", "user hasn't approved this consumer");
  return tokenResponse(ctx, ctx.sessions.issue(user, host, client.clientId), client.clientSecret, undefined, "api full");
}

async function token(ctx: EmulatorContext, req: Req, host: LoginHost): Promise<Res> {
  const form = await req.form();
  const grant = form.get("grant_type");
  if (grant === JWT_BEARER) return jwtBearer(ctx, form.get("assertion") ?? "", host);
  const client = findClient(ctx, form.get("client_id"));
  if (!client) return oauthError(400, "invalid_client_id", "client identifier invalid");
  const secret = form.get("client_secret");
  if (secret !== null && secret !== client.clientSecret) return oauthError(400, "invalid_client", "invalid client credentials");
  switch (grant) {
    case "password": {
      if (secret === null) return oauthError(400, "invalid_client", "invalid client credentials");
      const user = checkPassword(ctx, form.get("username") ?? "", form.get("password") ?? "", host);
      if (!user || user.passwordExpired) return oauthError(400, "invalid_grant", "authentication failure");
      return tokenResponse(ctx, ctx.sessions.issue(user, host, client.clientId), client.clientSecret, undefined, "api full");
    }
    case "authorization_code": {
      const code = ctx.sessions.codes.get(form.get("code") ?? "");
      if (!code || code.expiresAt < Date.now() || code.clientId !== client.clientId) return oauthError(400, "invalid_grant", "invalid authorization code");
      ctx.sessions.codes.delete(form.get("code")!);
      if (form.get("redirect_uri") !== code.redirectUri) return oauthError(400, "redirect_uri_mismatch", "redirect_uri must match configuration");
      if (code.codeChallenge) {
        const verifier = form.get("code_verifier") ?? "";
        const challenge = createHash("sha256").update(verifier).digest("base64url");
        if (challenge !== code.codeChallenge) return oauthError(400, "invalid_grant", "invalid code verifier");
      } else if (secret === null) {
        return oauthError(400, "invalid_client", "invalid client credentials");
      }
      const user = ctx.org.userById(code.userId)!;
      const session = ctx.sessions.issue(user, code.host, client.clientId);
      const rt =
        code.scope.split(/\s+/).some((s) => s === "refresh_token" || s === "offline_access") || code.scope === ""
          ? ctx.sessions.issueRefreshToken(user, client.clientId, code.host)
          : undefined;
      return tokenResponse(ctx, session, client.clientSecret, rt, code.scope || "api refresh_token full");
    }
    case "refresh_token": {
      const rt = ctx.sessions.refreshTokens.get(form.get("refresh_token") ?? "");
      if (!rt || rt.clientId !== client.clientId) return oauthError(400, "invalid_grant", "expired access/refresh token");
      const user = ctx.org.userById(rt.userId);
      if (!user) return oauthError(400, "invalid_grant", "expired access/refresh token");
      return tokenResponse(ctx, ctx.sessions.issue(user, rt.host, client.clientId), client.clientSecret);
    }
    case "client_credentials": {
      if (secret === null) return oauthError(400, "invalid_client", "invalid client credentials");
      const user = client.clientCredentialsUser ? ctx.org.userByName(client.clientCredentialsUser) : undefined;
      if (!user) return oauthError(400, "invalid_grant", "no client credentials user enabled");
      return tokenResponse(ctx, ctx.sessions.issue(user, host, client.clientId), client.clientSecret, undefined, "api");
    }
    default:
      return oauthError(400, "unsupported_grant_type", "grant type not supported");
  }
}

function page(title: string, inner: string): Res {
  return {
    status: 200,
    headers: { "Content-Type": "text/html;charset=UTF-8" },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${htmlEscape(title)}</title><style>body{font-family:system-ui,sans-serif;background:#f3f6f9;display:flex;justify-content:center;padding-top:8vh}main{background:#fff;border:1px solid #d8dde6;border-radius:6px;padding:2rem;width:22rem}label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password]{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1rem}.error{color:#c23934}</style></head><body><main><h1>${htmlEscape(title)}</h1>${inner}</main></body></html>`,
  };
}

const hidden = (params: URLSearchParams) =>
  ["response_type", "client_id", "redirect_uri", "state", "scope", "code_challenge", "code_challenge_method"]
    .filter((k) => params.has(k))
    .map((k) => `<input type="hidden" name="${k}" value="${htmlEscape(params.get(k)!)}">`)
    .join("");

function redirectWith(redirectUri: string, params: Record<string, string | null>): Res {
  const u = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== null) u.searchParams.set(k, v);
  return { status: 302, headers: { Location: u.toString() } };
}

function validateAuthorize(ctx: EmulatorContext, params: URLSearchParams): { client: OAuthClient; redirectUri: string } | Res {
  const client = findClient(ctx, params.get("client_id"));
  if (!client) return { ...page("Error", '<p class="error">error=invalid_client_id</p><p>client identifier invalid</p>'), status: 400 };
  const redirectUri = params.get("redirect_uri") ?? "";
  if (!redirectUri || (client.redirectUris.length && !client.redirectUris.includes(redirectUri))) {
    return { ...page("Error", '<p class="error">error=redirect_uri_mismatch</p><p>redirect_uri must match configuration</p>'), status: 400 };
  }
  if (params.get("response_type") !== "code")
    return redirectWith(redirectUri, { error: "unsupported_response_type", error_description: "response type not supported", state: params.get("state") });
  return { client, redirectUri };
}

function issueCodeRedirect(ctx: EmulatorContext, params: URLSearchParams, user: OrgUser, host: LoginHost, client: OAuthClient, redirectUri: string): Res {
  const code = ctx.sessions.issueCode({
    userId: user.id,
    clientId: client.clientId,
    redirectUri,
    codeChallenge: params.get("code_challenge") ?? undefined,
    host,
    scope: params.get("scope") ?? "",
  });
  return redirectWith(redirectUri, { code, state: params.get("state") });
}

function loginForm(params: URLSearchParams, action: string, error?: string): Res {
  return page(
    "Log in to the Ferry Salesforce emulator",
    `${error ? `<p class="error" role="alert">${htmlEscape(error)}</p>` : ""}<form method="post" action="${action}">${hidden(params)}<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username"><label for="password">Password</label><input type="password" id="password" name="pw" autocomplete="current-password"><button type="submit" id="Login" name="Login">Log In</button></form>`,
  );
}

function authorizeGet(ctx: EmulatorContext, req: Req, host: LoginHost): Res {
  const params = req.url.searchParams;
  const v = validateAuthorize(ctx, params);
  if ("status" in v) return v;
  if (ctx.config.autoApproveUser) {
    const user = ctx.org.userByName(ctx.config.autoApproveUser);
    if (user) return issueCodeRedirect(ctx, params, user, host, v.client, v.redirectUri);
  }
  return loginForm(params, req.url.pathname);
}

async function authorizePost(ctx: EmulatorContext, req: Req, host: LoginHost): Promise<Res> {
  const params = await req.form();
  const v = validateAuthorize(ctx, params);
  if ("status" in v) return v;
  if (params.has("decision")) {
    const user = ctx.org.userById(params.get("user_id") ?? "");
    const expected =
      user &&
      createHmac("sha256", ctx.org.id)
        .update(`${user.id}|${params.get("client_id")}|${params.get("redirect_uri")}`)
        .digest("hex");
    if (!user || params.get("approval") !== expected) return { ...page("Error", '<p class="error">Approval expired; start again.</p>'), status: 400 };
    if (params.get("decision") !== "allow") {
      return redirectWith(v.redirectUri, { error: "access_denied", error_description: "end-user denied authorization", state: params.get("state") });
    }
    return issueCodeRedirect(ctx, params, user, host, v.client, v.redirectUri);
  }
  const user = checkPassword(ctx, params.get("username") ?? "", params.get("pw") ?? "", host) ?? passwordOnly(ctx, params, host);
  if (!user)
    return loginForm(params, req.url.pathname, "Please check your username and password. If you still can't log in, contact your Salesforce administrator.");
  const approval = createHmac("sha256", ctx.org.id)
    .update(`${user.id}|${params.get("client_id")}|${params.get("redirect_uri")}`)
    .digest("hex");
  return page(
    "Allow Access?",
    `<p><strong>${htmlEscape(v.client.clientId)}</strong> is asking to access your data as <strong>${htmlEscape(user.username)}</strong>: access and manage your data (api), perform requests at any time (refresh_token, offline_access).</p><form method="post" action="${req.url.pathname}">${hidden(params)}<input type="hidden" name="user_id" value="${user.id}"><input type="hidden" name="approval" value="${approval}"><button type="submit" id="oaapprove" name="decision" value="allow">Allow</button> <button type="submit" id="oadeny" name="decision" value="deny">Deny</button></form>`,
  );
}

/** The interactive login page accepts the password alone: in a browser Salesforce asks for a verification code, not the token. */
function passwordOnly(ctx: EmulatorContext, params: URLSearchParams, host: LoginHost): OrgUser | undefined {
  const user = ctx.org.userByName(params.get("username") ?? "");
  if (!user || ctx.org.isSandbox !== (host === "sandbox")) return undefined;
  return params.get("pw") === user.password ? user : undefined;
}

async function revoke(ctx: EmulatorContext, req: Req): Promise<Res> {
  const token = req.method === "GET" ? req.url.searchParams.get("token") : (await req.form()).get("token");
  if (!token || !ctx.sessions.revoke(token)) return oauthError(400, "invalid_token", "invalid token");
  return { status: 200, headers: { "Content-Type": JSON_TYPE }, body: "" };
}

export function identityJson(ctx: EmulatorContext, session: Session, user: OrgUser) {
  const base = ctx.baseUrl();
  const v = `${ctx.config.maxApiVersion}.0`;
  const org = ctx.org.id;
  return {
    id: identityUrl(ctx, session.host, user),
    asserted_user: session.user.id === user.id,
    user_id: user.id,
    organization_id: org,
    username: user.username,
    nick_name: user.username.split("@")[0],
    display_name: user.displayName,
    email: user.email,
    email_verified: true,
    first_name: user.displayName.split(" ")[0],
    last_name: user.displayName.split(" ").slice(1).join(" "),
    timezone: "GMT",
    photos: { picture: `${base}/profilephoto/005/F`, thumbnail: `${base}/profilephoto/005/T` },
    addr_street: null,
    addr_city: null,
    addr_state: null,
    addr_country: null,
    addr_zip: null,
    mobile_phone: null,
    mobile_phone_verified: false,
    is_lightning_login_user: false,
    status: { created_date: null, body: null },
    urls: {
      enterprise: `${base}/services/Soap/c/{version}/${org}`,
      metadata: `${base}/services/Soap/m/{version}/${org}`,
      partner: `${base}/services/Soap/u/{version}/${org}`,
      rest: `${base}/services/data/v{version}/`,
      sobjects: `${base}/services/data/v{version}/sobjects/`,
      search: `${base}/services/data/v{version}/search/`,
      query: `${base}/services/data/v{version}/query/`,
      recent: `${base}/services/data/v{version}/recent/`,
      profile: `${base}/${user.id}`,
      feeds: `${base}/services/data/v{version}/chatter/feeds`,
      users: `${base}/services/data/v{version}/chatter/users`,
      custom_domain: base,
    },
    active: true,
    user_type: "STANDARD",
    language: "en_US",
    locale: "en_US",
    utcOffset: 0,
    last_modified_date: "2026-01-01T00:00:00.000+0000",
    is_app_installed: true,
    api_version: v,
  };
}

function identity(ctx: EmulatorContext, req: Req, params: string[]): Res {
  const token = req.url.searchParams.get("oauth_token") ?? bearerToken(req.headers);
  const session = ctx.sessions.validate(token ?? undefined);
  if (!session) return { status: 403, headers: { "Content-Type": "text/plain;charset=UTF-8" }, body: "Bad_OAuth_Token" };
  const [orgId, userId] = params;
  const user = ctx.org.userById(userId ?? "");
  if (orgId !== ctx.org.id || !user) return { status: 404, headers: { "Content-Type": "text/plain;charset=UTF-8" }, body: "Bad_Id" };
  return json(200, identityJson(ctx, session, user));
}

function userinfo(ctx: EmulatorContext, req: Req): Res {
  const session = ctx.sessions.validate(bearerToken(req.headers));
  if (!session) return json(403, { error: "Forbidden", error_description: "Bad_OAuth_Token" });
  const u = session.user;
  const id = identityJson(ctx, session, u);
  return json(200, {
    sub: id.id,
    user_id: u.id,
    organization_id: ctx.org.id,
    preferred_username: u.username,
    nickname: id.nick_name,
    name: u.displayName,
    email: u.email,
    email_verified: true,
    given_name: id.first_name,
    family_name: id.last_name,
    zoneinfo: "GMT",
    photos: id.photos,
    profile: id.urls.profile,
    picture: id.photos.picture,
    address: {},
    urls: id.urls,
    active: true,
    user_type: "STANDARD",
    language: "en_US",
    locale: "en_US",
    utcOffset: 0,
    updated_at: "2026-01-01T00:00:00Z",
  });
}

export function authRoutes(ctx: EmulatorContext, host: LoginHost): Route[] {
  return [
    { method: "POST", pattern: /^\/services\/Soap\/u\/(\d+)\.0(?:\/[\w]*)?\/?$/, handler: (req, [v]) => soap(ctx, req, host, `${v}.0`) },
    { method: "POST", pattern: /^\/services\/oauth2\/token\/?$/, handler: (req) => token(ctx, req, host) },
    { method: "GET", pattern: /^\/services\/oauth2\/authorize\/?$/, handler: (req) => authorizeGet(ctx, req, host) },
    { method: "POST", pattern: /^\/services\/oauth2\/authorize\/?$/, handler: (req) => authorizePost(ctx, req, host) },
    { method: "POST", pattern: /^\/services\/oauth2\/revoke\/?$/, handler: (req) => revoke(ctx, req) },
    { method: "GET", pattern: /^\/services\/oauth2\/revoke\/?$/, handler: (req) => revoke(ctx, req) },
    { method: "GET", pattern: /^\/services\/oauth2\/userinfo\/?$/, handler: (req) => userinfo(ctx, req) },
    { method: "GET", pattern: /^\/id\/(\w{18})\/(\w{18})\/?$/, handler: (req, p) => identity(ctx, req, p) },
  ];
}
