import { describe, expect, it } from "vitest";
import { readBodyWithin } from "../src/request-body.js";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe("readBodyWithin", () => {
  it("returns the body when it fits", async () => {
    const request = new Request("http://x/", { method: "POST", body: '{"trigger":"cron"}' });
    expect(await readBodyWithin(request, 64)).toBe('{"trigger":"cron"}');
    expect(await readBodyWithin(new Request("http://x/"), 64)).toBe("");
  });

  it("refuses a declared Content-Length over the limit", async () => {
    const request = new Request("http://x/", {
      method: "POST",
      headers: { "content-length": "65" },
      body: "x".repeat(65),
    });
    expect(await readBodyWithin(request, 64)).toBeUndefined();
  });

  it("stops reading a streamed body as soon as it passes the limit", async () => {
    const request = new Request("http://x/", {
      method: "POST",
      body: streamOf(["x".repeat(40), "x".repeat(40), "x".repeat(40)]),
      duplex: "half",
    } as RequestInit);
    expect(request.headers.get("content-length")).toBeNull();
    expect(await readBodyWithin(request, 64)).toBeUndefined();
  });
});
