import { describe, expect, it } from "vitest";
import { emailAddress, text, textProblem } from "./text";

describe("well-formed text", () => {
  it("accepts ordinary, accented, CJK and astral text", () => {
    for (const ok of ["Acme GmbH", "Zoë Ørsted", "株式会社", "rocket \u{1F680}", "\ufffd replacement is fine", ""]) expect(textProblem(ok)).toBeUndefined();
  });

  it("names NUL, lone surrogates and noncharacters", () => {
    expect(textProblem("a\u0000b")).toBe("text may not contain the NUL character (\\u0000); remove it and send again.");
    expect(textProblem("end\ud800")).toBe("text holds a lone surrogate (U+D800), half of a character; send well-formed UTF-16 text.");
    expect(textProblem("\udc00start")).toBe("text holds a lone surrogate (U+DC00), half of a character; send well-formed UTF-16 text.");
    expect(textProblem("\ud83d\ud83d")).toMatch(/lone surrogate \(U\+D83D\)/);
    expect(textProblem("search\uffff")).toBe("text may not contain the noncharacter U+FFFF; remove it and send again.");
    expect(textProblem("\ufffe")).toMatch(/noncharacter U\+FFFE/);
    expect(textProblem("\ufdd0")).toMatch(/noncharacter U\+FDD0/);
    expect(textProblem("\u{1FFFF}")).toMatch(/noncharacter U\+1FFFF/);
    expect(textProblem("\u{10FFFE}")).toMatch(/noncharacter U\+10FFFE/);
  });

  it("bounds length and reports the problem through zod", () => {
    expect(text(5).safeParse("abcdef").error?.issues[0]?.message).toBe("Use at most 5 characters.");
    expect(text(5).safeParse("a\uffff").error?.issues[0]?.message).toMatch(/noncharacter U\+FFFF/);
    expect(text(5).parse("fine")).toBe("fine");
  });

  it("caps an email address at 254 characters, the RFC's limit", () => {
    const longest = `${"a".repeat(64)}@${["b", "c", "d"].map((c) => c.repeat(60)).join(".")}.test`;
    expect(longest.length).toBe(252);
    expect(emailAddress.safeParse(longest).success).toBe(true);
    const long = emailAddress.safeParse(`${"a".repeat(9000)}@example.test`);
    expect(long.error?.issues.map((i) => i.message)).toEqual(["An email address is at most 254 characters."]);
  });
});
