/** Salesforce datetimes are whole seconds in the API; we keep epoch seconds internally. */
export type EpochSeconds = number;

export const DAY = 86_400;

const TWO = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, "0"));
const dayPrefix = new Map<number, string>();

/** `YYYY-MM-DDTHH:MM:SS` without allocating a Date per value: exports format millions of these. */
function isoSeconds(s: EpochSeconds): string {
  const day = Math.floor(s / DAY);
  let prefix = dayPrefix.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY * 1000).toISOString().slice(0, 11);
    if (dayPrefix.size > 50_000) dayPrefix.clear();
    dayPrefix.set(day, prefix);
  }
  const sec = s - day * DAY;
  return prefix + TWO[Math.floor(sec / 3600)]! + ":" + TWO[Math.floor(sec / 60) % 60]! + ":" + TWO[sec % 60]!;
}

export function formatDateTime(s: EpochSeconds): string {
  return isoSeconds(s) + ".000+0000";
}

export function formatDateTimeCsv(s: EpochSeconds): string {
  return isoSeconds(s) + ".000Z";
}

export function formatDate(s: EpochSeconds): string {
  return new Date(s * 1000).toISOString().slice(0, 10);
}

const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses SOQL/REST datetimes (`2024-01-01T00:00:00Z`, `...000+0000`, `...+00:00`); fractions are dropped like Salesforce does. */
export function parseDateTime(text: string): EpochSeconds | undefined {
  const m = DATETIME_RE.exec(text.trim());
  if (!m) return undefined;
  let offset = 0;
  const tz = m[8]!;
  if (tz !== "Z") {
    const sign = tz[0] === "-" ? -1 : 1;
    const digits = tz.slice(1).replace(":", "");
    offset = sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4)) * 60);
  }
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (Number.isNaN(ms)) return undefined;
  return ms / 1000 - offset;
}

export function parseDate(text: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const d = new Date(text + "T00:00:00Z");
  if (Number.isNaN(d.getTime())) return undefined;
  return text;
}

export function dateToEpoch(date: string): EpochSeconds {
  return Date.parse(date + "T00:00:00Z") / 1000;
}
