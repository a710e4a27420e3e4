/**
 * Unit tier: lazyPort and onFirstUse (functions/adapters/lazy-port.ts), which
 * defer loading an adapter and its SDK client to a port's first call.
 */
import { describe, expect, it } from "vitest";
import { lazyPort, onFirstUse } from "../../functions/adapters/lazy-port.ts";

interface Counter {
  add(amount: number): Promise<number>;
  total(): Promise<number>;
}

function counterAdapter(): Counter {
  let sum = 0;
  return {
    async add(amount) {
      sum += amount;
      return sum;
    },
    async total() {
      return sum;
    },
  };
}

describe("lazyPort", () => {
  it("loads nothing until the first call, then loads once for every method and caller", async () => {
    let loads = 0;
    const port = lazyPort(async () => {
      loads++;
      return counterAdapter();
    });
    expect(loads).toBe(0);
    const [first, second] = await Promise.all([port.add(2), port.add(3)]);
    expect([first, second].sort()).toEqual([2, 5]);
    expect(await port.total()).toBe(5);
    expect(loads).toBe(1);
  });

  it("can be awaited and returned from async functions without being taken for a promise", async () => {
    const port = lazyPort(async () => counterAdapter());
    const returned = await (async () => port)();
    expect(returned).toBe(port);
    expect(await returned.add(1)).toBe(1);
  });

  it("passes a failed load to the caller and tries again on the next call", async () => {
    let attempts = 0;
    const port = lazyPort(async () => {
      attempts++;
      if (attempts === 1) throw new Error("chunk not readable");
      return counterAdapter();
    });
    await expect(port.add(1)).rejects.toThrow("chunk not readable");
    expect(await port.add(1)).toBe(1);
    expect(attempts).toBe(2);
  });

  it("names a method the adapter does not have", async () => {
    const port = lazyPort(async () => counterAdapter()) as Counter & { missing(): Promise<void> };
    await expect(port.missing()).rejects.toThrow("the adapter has no method missing");
  });
});

describe("onFirstUse", () => {
  it("shares one load between concurrent first callers", async () => {
    let loads = 0;
    const client = onFirstUse(async () => ({ id: ++loads }));
    const [a, b] = await Promise.all([client(), client()]);
    expect(a).toBe(b);
    expect(loads).toBe(1);
  });
});
