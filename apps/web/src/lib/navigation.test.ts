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

  it("never loops back to the auth pages or into the API", () => {
    expect(safeNextPath("/sign-in?next=/x")).toBe("/salesforce");
    expect(safeNextPath("/api/trpc/account.me")).toBe("/salesforce");
    expect(safeNextPath(null, "/x")).toBe("/x");
  });
});
