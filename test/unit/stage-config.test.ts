/**
 * Unit tier: stage config. The built-in stages are valid; the
 * `claw-tasks:stages` context adds stages and adjusts built-in ones; a bad
 * setting fails synth with an error naming the stage and the field.
 */
import { describe, expect, it } from "vitest";
import {
  builtInStages,
  stackNameOf,
  stageConfig,
  stageConfigSchema,
  stageNames,
} from "../../lib/stage-config.ts";

describe("stage config", () => {
  it.each(Object.keys(builtInStages))("built-in stage %s passes its own schema", (name) => {
    expect(stageConfigSchema.parse(builtInStages[name])).toEqual(builtInStages[name]);
    expect(stageConfig(name)).toEqual(builtInStages[name]);
  });

  it("keeps data and protects the stack in prod, not in dev", () => {
    expect(stageConfig("prod")).toMatchObject({ retainData: true, terminationProtection: true });
    expect(stageConfig("dev")).toMatchObject({ retainData: false, terminationProtection: false });
  });

  it("names the stack after the stage", () => {
    expect(stackNameOf("prod")).toBe("ClawTasks-prod");
  });

  it("adds a stage that extends another, merging lane sizing", () => {
    const context = {
      dev: { lanes: { default: { maxConcurrency: 3 } } },
      alice: {
        extends: "dev",
        alarmEmail: "alice@example.com",
        lanes: { ai_high_priority: { maxConcurrency: 2 } },
      },
    };
    expect(stageNames(context)).toEqual(["dev", "prod", "alice"]);
    expect(stageConfig("alice", context)).toEqual({
      ...builtInStages.dev,
      stage: "alice",
      alarmEmail: "alice@example.com",
      lanes: { default: { maxConcurrency: 3 }, ai_high_priority: { maxConcurrency: 2 } },
    });
  });

  it("adjusts a built-in stage, and takes the context as a JSON string from -c", () => {
    const context = JSON.stringify({ prod: { alarmEmail: "ops@example.com", account: "123456789012" } });
    expect(stageConfig("prod", context)).toMatchObject({
      stage: "prod",
      retainData: true,
      alarmEmail: "ops@example.com",
      account: "123456789012",
    });
  });

  it.each([
    ["an e-mail that is not one", { alarmEmail: "ops" }, "alarmEmail"],
    ["an unknown time zone", { scheduleTimeZone: "Mars/Olympus" }, "scheduleTimeZone"],
    ["an account that is not 12 digits", { account: "12345" }, "account"],
    ["an unknown lane", { lanes: { turbo: { maxConcurrency: 5 } } }, "lanes: .*turbo"],
    [
      "a concurrency under AWS's minimum",
      { lanes: { default: { maxConcurrency: 1 } } },
      "lanes.default.maxConcurrency",
    ],
    ["an unknown setting", { retainDatas: true }, "retainDatas"],
    [
      "a model provider without its model",
      { models: { chat: { provider: "bedrock" }, embeddings: { provider: "offline" } } },
      "models.chat.modelId",
    ],
    ["a log retention CloudWatch does not offer", { logRetentionDays: 10 }, "logRetentionDays"],
  ])("rejects %s, naming the field", (_, fields, field) => {
    expect(() => stageConfig("qa", { qa: { extends: "dev", ...fields } })).toThrow(
      new RegExp(`stage qa is not valid: .*${field}`),
    );
  });

  it("rejects a stage name that cannot prefix resource names", () => {
    expect(() => stageConfig("Team_A", { Team_A: { extends: "dev" } })).toThrow(
      /stage Team_A is not valid: stage/,
    );
  });

  it("names the known stages for an unknown one, and asks a new one for its base", () => {
    expect(() => stageConfig("staging")).toThrow("unknown stage staging; known: dev, prod");
    expect(() => stageConfig("staging", { staging: { resultTtlDays: 3 } })).toThrow(/needs "extends"/);
    expect(() => stageConfig("a", { a: { extends: "b" }, b: { extends: "a" } })).toThrow(
      "stage a extends itself: a -> b -> a",
    );
  });
});
