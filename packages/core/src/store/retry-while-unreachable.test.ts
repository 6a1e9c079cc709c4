import { describe, expect, it } from "vitest";
import { isConnectionError, retryWhileUnreachable } from "./retry-while-unreachable.js";

const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });

describe("retryWhileUnreachable", () => {
  it("retries a statement while the database is unreachable, then answers what it returned", async () => {
    let calls = 0;
    const retried: unknown[] = [];
    const answer = await retryWhileUnreachable(
      async () => {
        calls += 1;
        if (calls < 3) throw refused;
        return "rows";
      },
      { maxWaitMs: 5_000, onRetry: (error) => retried.push(error) },
    );
    expect(answer).toBe("rows");
    expect(calls).toBe(3);
    expect(retried).toEqual([refused, refused]);
  });

  it("never retries an error of the statement itself", async () => {
    let calls = 0;
    const syntax = Object.assign(new Error("syntax error"), { code: "42601" });
    await expect(
      retryWhileUnreachable(
        async () => {
          calls += 1;
          throw syntax;
        },
        { maxWaitMs: 5_000 },
      ),
    ).rejects.toBe(syntax);
    expect(calls).toBe(1);
  });

  it("gives up once the next wait would end past maxWaitMs", async () => {
    let calls = 0;
    await expect(
      retryWhileUnreachable(
        async () => {
          calls += 1;
          throw refused;
        },
        { maxWaitMs: 50 },
      ),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
  });
});

describe("isConnectionError", () => {
  it("knows socket codes, SQLSTATE class 08, 57P01-03 and pg's connection messages", () => {
    expect(isConnectionError({ code: "ECONNRESET" })).toBe(true);
    expect(isConnectionError({ code: "08006" })).toBe(true);
    expect(isConnectionError({ code: "57P01" })).toBe(true);
    expect(isConnectionError(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isConnectionError({ code: "23505" })).toBe(false);
    expect(isConnectionError(null)).toBe(false);
  });
});
