import { DAY, type EpochSeconds } from "../time";

/** [start, end) in epoch seconds for a SOQL date literal such as TODAY or LAST_N_DAYS:30, evaluated in UTC. */
export function dateLiteralRange(literal: string, n: number | undefined, now: EpochSeconds): [EpochSeconds, EpochSeconds] | undefined {
  const today = Math.floor(now / DAY) * DAY;
  const d = new Date(today * 1000);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const weekStart = today - d.getUTCDay() * DAY;
  const monthStart = (yy: number, mm: number) => Date.UTC(yy, mm, 1) / 1000;
  const q = Math.floor(m / 3) * 3;
  const k = n ?? 0;
  switch (literal.toUpperCase()) {
    case "YESTERDAY":
      return [today - DAY, today];
    case "TODAY":
      return [today, today + DAY];
    case "TOMORROW":
      return [today + DAY, today + 2 * DAY];
    case "LAST_WEEK":
      return [weekStart - 7 * DAY, weekStart];
    case "THIS_WEEK":
      return [weekStart, weekStart + 7 * DAY];
    case "NEXT_WEEK":
      return [weekStart + 7 * DAY, weekStart + 14 * DAY];
    case "LAST_MONTH":
      return [monthStart(y, m - 1), monthStart(y, m)];
    case "THIS_MONTH":
      return [monthStart(y, m), monthStart(y, m + 1)];
    case "NEXT_MONTH":
      return [monthStart(y, m + 1), monthStart(y, m + 2)];
    case "LAST_90_DAYS":
      return [today - 90 * DAY, today + DAY];
    case "NEXT_90_DAYS":
      return [today + DAY, today + 91 * DAY];
    case "LAST_QUARTER":
      return [monthStart(y, q - 3), monthStart(y, q)];
    case "THIS_QUARTER":
      return [monthStart(y, q), monthStart(y, q + 3)];
    case "NEXT_QUARTER":
      return [monthStart(y, q + 3), monthStart(y, q + 6)];
    case "LAST_YEAR":
      return [monthStart(y - 1, 0), monthStart(y, 0)];
    case "THIS_YEAR":
      return [monthStart(y, 0), monthStart(y + 1, 0)];
    case "NEXT_YEAR":
      return [monthStart(y + 1, 0), monthStart(y + 2, 0)];
    case "LAST_N_DAYS":
      return [today - k * DAY, today + DAY];
    case "NEXT_N_DAYS":
      return [today + DAY, today + (k + 1) * DAY];
    case "N_DAYS_AGO":
      return [today - k * DAY, today - (k - 1) * DAY];
    case "LAST_N_WEEKS":
      return [weekStart - 7 * k * DAY, weekStart];
    case "NEXT_N_WEEKS":
      return [weekStart + 7 * DAY, weekStart + 7 * (k + 1) * DAY];
    case "N_WEEKS_AGO":
      return [weekStart - 7 * k * DAY, weekStart - 7 * (k - 1) * DAY];
    case "LAST_N_MONTHS":
      return [monthStart(y, m - k), monthStart(y, m)];
    case "NEXT_N_MONTHS":
      return [monthStart(y, m + 1), monthStart(y, m + 1 + k)];
    case "N_MONTHS_AGO":
      return [monthStart(y, m - k), monthStart(y, m - k + 1)];
    case "LAST_N_QUARTERS":
      return [monthStart(y, q - 3 * k), monthStart(y, q)];
    case "NEXT_N_QUARTERS":
      return [monthStart(y, q + 3), monthStart(y, q + 3 + 3 * k)];
    case "N_QUARTERS_AGO":
      return [monthStart(y, q - 3 * k), monthStart(y, q - 3 * k + 3)];
    case "LAST_N_YEARS":
      return [monthStart(y - k, 0), monthStart(y, 0)];
    case "NEXT_N_YEARS":
      return [monthStart(y + 1, 0), monthStart(y + 1 + k, 0)];
    case "N_YEARS_AGO":
      return [monthStart(y - k, 0), monthStart(y - k + 1, 0)];
    default:
      return undefined;
  }
}
