/**
 * Unit tier: the API's check that a request came through the edge
 * (CloudFront adds the secret header; functions/api/origin-verify.ts).
 */
import { describe, expect, it } from "vitest";
import { cameThroughEdge } from "../../functions/api/origin-verify.ts";

describe("cameThroughEdge", () => {
  const secret = "s3cr3t-value-of-48-characters-aaaaaaaaaaaaaaaaaa";

  it("takes the edge's secret and nothing else", () => {
    expect(cameThroughEdge(secret, secret)).toBe(true);
    expect(cameThroughEdge(undefined, secret)).toBe(false);
    expect(cameThroughEdge("", secret)).toBe(false);
    expect(cameThroughEdge(secret.slice(0, -1), secret)).toBe(false);
    expect(cameThroughEdge(`${secret}x`, secret)).toBe(false);
    expect(cameThroughEdge(secret.toUpperCase(), secret)).toBe(false);
    expect(cameThroughEdge("é".repeat(secret.length / 2), secret)).toBe(false);
  });
});
