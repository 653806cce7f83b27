import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import type { SealedSecret, SecretSetting } from "@ferry/db";

export class MasterKeyError extends Error {}

/** The master key is 32 bytes in base64; anything else is refused before it can seal a secret. */
export function parseMasterKey(masterKey: string): Buffer {
  const key = Buffer.from(masterKey, "base64");
  if (key.length !== 32) throw new MasterKeyError("The master key must be 32 bytes in base64 (openssl rand -base64 32).");
  return key;
}

/** Names a master key without revealing it, so a sealed secret says which key (after a rotation) opens it. */
export function masterKeyId(masterKey: string): string {
  return createHash("sha256").update(parseMasterKey(masterKey)).digest("hex").slice(0, 8);
}

function gcmEncrypt(key: Buffer, plaintext: Buffer, aad: string) {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

function gcmDecrypt(key: Buffer, iv: Buffer, tag: Buffer, ciphertext: Buffer, aad: string): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/**
 * Envelope encryption: a fresh data key per secret encrypts the value, and the master key wraps the
 * data key (AES-256-GCM as well: iv || tag || wrapped key). `context` (e.g. "tenant:password") is
 * bound as associated data, so a sealed value copied into another tenant's row does not open.
 */
export function sealSecret(plaintext: string, masterKey: string, context: string): SealedSecret {
  const master = parseMasterKey(masterKey);
  const dataKey = randomBytes(32);
  const wrapped = gcmEncrypt(master, dataKey, `ferry-data-key:${context}`);
  const sealed = gcmEncrypt(dataKey, Buffer.from(plaintext, "utf8"), `ferry-secret:${context}`);
  dataKey.fill(0);
  return {
    v: 1,
    kid: masterKeyId(masterKey),
    wrappedKey: Buffer.concat([wrapped.iv, wrapped.tag, wrapped.ciphertext]).toString("base64"),
    iv: sealed.iv.toString("base64"),
    tag: sealed.tag.toString("base64"),
    ciphertext: sealed.ciphertext.toString("base64"),
  };
}

/** Opens a sealed secret with whichever of `masterKeys` its key id names (current key first, then retired ones). */
export function openSecret(sealed: SealedSecret, masterKeys: string | readonly string[], context: string): string {
  const keys = typeof masterKeys === "string" ? [masterKeys] : masterKeys;
  const masterKey = keys.find((k) => masterKeyId(k) === sealed.kid);
  if (!masterKey) throw new MasterKeyError(`No master key with id ${sealed.kid} is configured; the secret was sealed with a key that is no longer provided.`);
  const wrapped = Buffer.from(sealed.wrappedKey, "base64");
  const dataKey = gcmDecrypt(parseMasterKey(masterKey), wrapped.subarray(0, 12), wrapped.subarray(12, 28), wrapped.subarray(28), `ferry-data-key:${context}`);
  try {
    return gcmDecrypt(
      dataKey,
      Buffer.from(sealed.iv, "base64"),
      Buffer.from(sealed.tag, "base64"),
      Buffer.from(sealed.ciphertext, "base64"),
      `ferry-secret:${context}`,
    ).toString("utf8");
  } finally {
    dataKey.fill(0);
  }
}

/**
 * What the portal keeps to show of a secret: that it is set, when and by whom; no character of
 * it (the last two characters of a password once reached every member).
 */
export function secretSetting(plaintext: string | null | undefined, setBy: string, setAt = new Date()): SecretSetting | null {
  if (!plaintext) return null;
  return { setAt: setAt.toISOString(), setBy };
}

export interface SecretStatus {
  set: true;
  /** Null for a secret stored before its time was kept. */
  setAt: Date | null;
  setBy: string | null;
}

/** A stored secret as the portal shows it: null when none is stored. */
export function secretStatus(sealed: unknown, setting: SecretSetting | string | null | undefined, fallbackSetAt: Date | null): SecretStatus | null {
  if (!sealed) return null;
  // A legacy mask string holds characters of the secret: never passed on.
  if (!setting || typeof setting === "string") return { set: true, setAt: fallbackSetAt, setBy: null };
  return { set: true, setAt: new Date(setting.setAt), setBy: setting.setBy };
}
