import { and, gt, inArray, lt, sql } from "drizzle-orm";
import { signInThrottle, type PlatformDatabase } from "@ferry/db";

export interface ThrottleLimits {
  /** Failed sign-ins allowed per window for one account from one address. */
  perAccountAndAddress: number;
  /** Failed sign-ins allowed per window from one address, whatever the accounts. */
  perAddress: number;
  /** Failed sign-ins allowed per window for one account from addresses it has not signed in from lately (a distributed guess). */
  perAccountFromNewAddresses: number;
  windowSeconds: number;
  /** How long a successful sign-in makes an address known for the account. */
  knownAddressDays: number;
}

export const defaultThrottleLimits: ThrottleLimits = {
  perAccountAndAddress: 5,
  perAddress: 30,
  perAccountFromNewAddresses: 50,
  windowSeconds: 15 * 60,
  knownAddressDays: 30,
};

export type ThrottleDecision = { allowed: true; attempt: Attempt } | { allowed: false; retryAfterSeconds: number; attempt: Attempt };

interface Attempt {
  counted: string[];
  pairKey: string;
  knownKey: string;
}

/**
 * Sign-in throttling in Postgres, shared by every web replica. An attempt is counted before the
 * password is checked (so a burst of parallel guesses is counted too) and given back when it did
 * not fail (a wrong password leaves it counted). Buckets: the address, the account from that address, and the account from addresses
 * it has not signed in from lately. So a client guessing a victim's password locks out only
 * itself, while the victim's own address stays open; a guess spread over many addresses is slowed
 * by the account-wide bucket, which the addresses the victim uses never count against.
 */
export function createSignInThrottle(db: PlatformDatabase, limits: ThrottleLimits = defaultThrottleLimits) {
  const window = sql`make_interval(secs => ${limits.windowSeconds})`;
  const known = sql`make_interval(days => ${limits.knownAddressDays})`;

  async function count(keys: string[]) {
    return db
      .insert(signInThrottle)
      .values(keys.map((key) => ({ key, failures: 1 })))
      .onConflictDoUpdate({
        target: signInThrottle.key,
        set: {
          failures: sql`case when ${signInThrottle.windowStartedAt} < now() - ${window} then 1 else ${signInThrottle.failures} + 1 end`,
          windowStartedAt: sql`case when ${signInThrottle.windowStartedAt} < now() - ${window} then now() else ${signInThrottle.windowStartedAt} end`,
          updatedAt: sql`now()`,
        },
      })
      .returning({
        key: signInThrottle.key,
        failures: signInThrottle.failures,
        retryAfterSeconds: sql<number>`greatest(1, ceil(extract(epoch from (${signInThrottle.windowStartedAt} + ${window} - now()))))::int`,
      });
  }

  async function giveBack(keys: string[]) {
    if (keys.length === 0) return;
    await db
      .update(signInThrottle)
      .set({ failures: sql`greatest(${signInThrottle.failures} - 1, 0)` })
      .where(inArray(signInThrottle.key, keys));
  }

  return {
    async begin(email: string, address: string): Promise<ThrottleDecision> {
      const account = email.trim().toLowerCase();
      const addressKey = `address:${address}`;
      const pairKey = `account-address:${account} ${address}`;
      const knownKey = `known:${account} ${address}`;
      const [isKnown] = await db
        .select({ key: signInThrottle.key })
        .from(signInThrottle)
        .where(and(inArray(signInThrottle.key, [knownKey]), gt(signInThrottle.updatedAt, sql`now() - ${known}`)));
      const limitOf: Record<string, number> = { [addressKey]: limits.perAddress, [pairKey]: limits.perAccountAndAddress };
      if (!isKnown) limitOf[`account:${account}`] = limits.perAccountFromNewAddresses;
      const counted = Object.keys(limitOf);
      const rows = await count(counted);
      const attempt = { counted, pairKey, knownKey };
      const over = rows.filter((row) => row.failures > limitOf[row.key]!);
      if (over.length === 0) return { allowed: true, attempt };
      await giveBack(counted);
      return { allowed: false, retryAfterSeconds: Math.max(...over.map((row) => Number(row.retryAfterSeconds))), attempt };
    },

    /** Signed in: this address is now known for the account, and its guesses are forgiven. */
    async succeeded(attempt: Attempt) {
      await giveBack(attempt.counted.filter((key) => key !== attempt.pairKey));
      await db.delete(signInThrottle).where(inArray(signInThrottle.key, [attempt.pairKey]));
      await db
        .insert(signInThrottle)
        .values({ key: attempt.knownKey, failures: 0 })
        .onConflictDoUpdate({ target: signInThrottle.key, set: { updatedAt: sql`now()` } });
      if (Math.random() < 0.01) await db.delete(signInThrottle).where(lt(signInThrottle.updatedAt, sql`now() - ${known}`));
    },

    /** Neither right nor wrong (a malformed request, an error): not a guess. */
    async inconclusive(attempt: Attempt) {
      await giveBack(attempt.counted);
    },
  };
}

export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
