import { describe, expect, it } from "vitest";
import { safeNextPath } from "./navigation";

describe("safeNextPath", () => {
  it("keeps same-site paths", () => {
    expect(safeNextPath("/settings")).toBe("/settings");
    expect(safeNextPath("/records?q=acme")).toBe("/records?q=acme");
  });

  it("refuses other sites and protocol-relative tricks", () => {
    expect(safeNextPath("https://evil.example")).toBe("/salesforce");
    expect(safeNextPath("//evil.example")).toBe("/salesforce");
    expect(safeNextPath("/\\evil.example")).toBe("/salesforce");
    expect(safeNextPath("javascript:alert(1)")).toBe("/salesforce");
  });

  it("refuses paths a browser would resolve to another site (tab, newline, carriage return, backslash)", () => {
    // As the sign-in page reads them from `?next=/%09/example.invalid/pwn` and its %0A / %0D twins.
    for (const value of ["/\t/example.invalid/pwn", "/\n/example.invalid/pwn", "/\r/example.invalid/pwn", "/\t\t/example.invalid", "\t//example.invalid"]) {
      expect(safeNextPath(value), JSON.stringify(value)).toBe("/salesforce");
    }
    expect(safeNextPath("/a\\b")).toBe("/salesforce");
    expect(safeNextPath("/\u0000/example.invalid")).toBe("/salesforce");
    expect(safeNextPath("/%09/example.invalid/pwn")).toBe("/%09/example.invalid/pwn");
  });

  it("keeps only path, query and fragment of a same-site value", () => {
    expect(safeNextPath("/records/Account?q=acme#row-3")).toBe("/records/Account?q=acme#row-3");
    expect(safeNextPath("/settings/../salesforce")).toBe("/salesforce");
  });

  it("never loops back to the auth pages or into the API", () => {
    expect(safeNextPath("/sign-in?next=/x")).toBe("/salesforce");
    expect(safeNextPath("/api/trpc/account.me")).toBe("/salesforce");
    expect(safeNextPath(null, "/x")).toBe("/x");
  });
});
