import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { errorCode, errorInfo } from "./errors";

function trpcError(message: string, data: Record<string, unknown>) {
  return TRPCClientError.from({ error: { message, code: -32600, data } });
}

describe("errorInfo", () => {
  it("maps zod issues to fields and keeps the raw dump out of the message", () => {
    const error = trpcError('[{"code":"invalid_format"}]', {
      code: "BAD_REQUEST",
      zodIssues: [
        { path: "email", message: "Enter a valid email address." },
        { path: "email", message: "second message is ignored" },
        { path: "password", message: "Use at least 10 characters." },
      ],
    });
    const info = errorInfo(error);
    expect(info.fields).toEqual({ email: "Enter a valid email address.", password: "Use at least 10 characters." });
    expect(info.message).toBe("Check the highlighted fields.");
    expect(info.code).toBe("BAD_REQUEST");
  });

  it("shows the server's message for domain errors", () => {
    const error = trpcError("An account with this email already exists. Sign in instead.", { code: "CONFLICT" });
    expect(errorInfo(error)).toEqual({
      message: "An account with this email already exists. Sign in instead.",
      fields: {},
      code: "CONFLICT",
    });
    expect(errorCode(error)).toBe("CONFLICT");
  });

  it("falls back to a generic message for unknown values", () => {
    expect(errorInfo(undefined).message).toMatch(/Something went wrong/);
    expect(errorCode(new Error("x"))).toBeUndefined();
  });
});
