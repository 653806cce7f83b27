import { describe, expect, it } from "vitest";
import { customFerryFields, defaultFerryField, incompatibility, standardFerryFields, twoWayProblem } from "./ferry-fields";

const field = (id: string) => standardFerryFields.find((f) => f.id === id)!;

describe("Ferry field model", () => {
  it("maps same-named Lead and Contact fields onto one Person field, Accounts onto Company", () => {
    expect(defaultFerryField("Lead", "Email", false)).toBe("person.email");
    expect(defaultFerryField("Contact", "Email", false)).toBe("person.email");
    expect(defaultFerryField("Contact", "MailingCity", false)).toBe("person.city");
    expect(defaultFerryField("Account", "Name", false)).toBe("company.name");
    expect(defaultFerryField("Lead", "Score__c", true)).toBe("person.custom.Score__c");
    expect(defaultFerryField("Contact", "Score__c", true)).toBe("person.custom.Score__c");
    expect(defaultFerryField("Campaign", "Name", false)).toBeUndefined();
    expect(defaultFerryField("Lead", "IsUnreadByOwner", false)).toBeUndefined();
  });

  it("creates one custom Person field for a custom field on both Lead and Contact", () => {
    const custom = customFerryFields([
      { object: "Lead", fieldName: "Score__c", label: "Score", type: "double", custom: true, excluded: false },
      { object: "Contact", fieldName: "Score__c", label: "Score", type: "double", custom: true, excluded: false },
      { object: "Lead", fieldName: "Secret__c", label: "Secret", type: "string", custom: true, excluded: true },
    ]);
    expect(custom).toEqual([{ id: "person.custom.Score__c", entity: "person", label: "Score", type: "number", writable: true, custom: true }]);
  });

  it("explains incompatible types, wrong records and impossible two-way mappings", () => {
    expect(incompatibility({ object: "Lead", fieldName: "Company", type: "string" }, field("person.company_name"))).toBeNull();
    expect(incompatibility({ object: "Lead", fieldName: "AnnualRevenue", type: "currency" }, field("person.email"))).toMatch(/is a currency field/);
    expect(incompatibility({ object: "Account", fieldName: "Name", type: "string" }, field("person.last_name"))).toMatch(
      /Account fields feed Company, not Person/,
    );
    expect(twoWayProblem({ object: "Lead", fieldName: "Email", writable: true }, field("person.email"))).toBeNull();
    expect(twoWayProblem({ object: "Lead", fieldName: "IsConverted", writable: false }, field("person.email"))).toMatch(/cannot edit Lead\.IsConverted/);
    expect(twoWayProblem({ object: "Lead", fieldName: "OwnerId", writable: true }, field("person.owner_id"))).toMatch(/from Salesforce only/);
  });
});
