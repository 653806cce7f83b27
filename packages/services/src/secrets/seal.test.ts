import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { masterKeyId, MasterKeyError, openSecret, sealSecret, secretSetting, secretStatus } from "./seal";

const key = () => randomBytes(32).toString("base64");

describe("sealed secrets", () => {
  it("round-trips with a fresh data key and iv each time, naming the master key by id", () => {
    const master = key();
    const a = sealSecret("hunter2-password", master, "t1:password");
    const b = sealSecret("hunter2-password", master, "t1:password");
    expect(a.kid).toBe(masterKeyId(master));
    expect(a.kid).toMatch(/^[0-9a-f]{8}$/);
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(JSON.stringify(a)).not.toContain("hunter2");
    expect(openSecret(a, master, "t1:password")).toBe("hunter2-password");
  });

  it("opens secrets sealed before a rotation with the retired key, found by its id", () => {
    const old = key();
    const current = key();
    const sealed = sealSecret("token-123456", old, "t1:securityToken");
    expect(openSecret(sealed, [current, old], "t1:securityToken")).toBe("token-123456");
    expect(() => openSecret(sealed, current, "t1:securityToken")).toThrow(MasterKeyError);
  });

  it("refuses tampering, another tenant's context and a malformed master key", () => {
    const master = key();
    const sealed = sealSecret("refresh-token-value", master, "t1:refreshToken");
    const flipped = Buffer.from(sealed.ciphertext, "base64");
    flipped[0] = flipped[0]! ^ 1;
    expect(() => openSecret({ ...sealed, ciphertext: flipped.toString("base64") }, master, "t1:refreshToken")).toThrow();
    expect(() => openSecret(sealed, master, "t2:refreshToken")).toThrow();
    expect(() => sealSecret("x", Buffer.alloc(16).toString("base64"), "t1:password")).toThrow(/32 bytes/);
  });

  it("keeps of a secret only that it is set, when and by whom: no character of it", () => {
    const at = new Date("2026-12-04T20:00:00.000Z");
    expect(secretSetting("abcdefgh3f", "Olive Owner", at)).toEqual({ setAt: "2026-12-04T20:00:00.000Z", setBy: "Olive Owner" });
    expect(secretSetting("", "Olive Owner", at)).toBeNull();
    expect(secretSetting(null, "Olive Owner", at)).toBeNull();
    const sealed = { v: 1 };
    expect(secretStatus(sealed, { setAt: "2026-12-04T20:00:00.000Z", setBy: "Olive Owner" }, null)).toEqual({ set: true, setAt: at, setBy: "Olive Owner" });
    // A row written before: its mask string held the last characters, and is never passed on.
    expect(secretStatus(sealed, "••••••3f", at)).toEqual({ set: true, setAt: at, setBy: null });
    expect(secretStatus(null, { setAt: "2026-12-04T20:00:00.000Z", setBy: "Olive Owner" }, at)).toBeNull();
  });
});
