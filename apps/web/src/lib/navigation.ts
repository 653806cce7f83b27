/** Stands in for the portal's own origin: only whether a path stays on it matters, not which it is. */
const SAME_ORIGIN = "https://portal.ferry.invalid";

/**
 * Only same-site paths are followed after sign-in, so a crafted link cannot send people elsewhere.
 * The value is resolved the way a browser would resolve it (which drops tabs and newlines, so
 * `/\t/evil.example` becomes `//evil.example`), and refused unless it stays on the same origin;
 * control characters and backslashes are refused outright. Only path, query and fragment are kept.
 */
export function safeNextPath(value: string | null | undefined, fallback = "/salesforce"): string {
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (!value || !value.startsWith("/") || /[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, SAME_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== SAME_ORIGIN) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (path.startsWith("//") || path.startsWith("/sign-in") || path.startsWith("/sign-up") || path.startsWith("/api/")) return fallback;
  return path;
}
