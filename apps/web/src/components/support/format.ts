export const DASH = "—";

export function apiUsage(api: { used: number | null; cap: number | null }): string {
  if (api.used === null) return DASH;
  return api.cap ? `${api.used.toLocaleString()} / ${api.cap.toLocaleString()}` : api.used.toLocaleString();
}

export function words(value: string | null | undefined): string {
  return value ? value.replace(/_/g, " ") : DASH;
}
