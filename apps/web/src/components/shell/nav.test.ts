import { describe, expect, it } from "vitest";
import { activeHref, tenantNav } from "./nav";

describe("the navigation's current item", () => {
  it("is the most specific one, so Activity and Salesforce are never both current", () => {
    expect(activeHref("/salesforce/progress", tenantNav)).toBe("/salesforce/progress");
    expect(activeHref("/salesforce", tenantNav)).toBe("/salesforce");
    expect(activeHref("/records/Lead/00Q000000000001", tenantNav)).toBe("/records");
    expect(activeHref("/salesforce-other", tenantNav)).toBeUndefined();
  });
});
