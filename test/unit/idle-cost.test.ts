/**
 * Unit tier: the idle monthly cost of a stage (bench/idle-cost.ts), read from
 * a small template: pollers per mapping, dashboards, alarm metrics, schedule
 * runs per month and secrets, priced with bench/prices.json.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Prices } from "../../bench/cost-model.ts";
import { idleCost } from "../../bench/idle-cost.ts";
import type { Template } from "../../local/template.ts";

const prices = JSON.parse(
  readFileSync(new URL("../../bench/prices.json", import.meta.url), "utf8"),
) as Prices;

const template: Template = {
  Resources: {
    QueueA: { Type: "AWS::SQS::Queue" },
    QueueB: { Type: "AWS::SQS::Queue" },
    MappingA: {
      Type: "AWS::Lambda::EventSourceMapping",
      Properties: { EventSourceArn: { "Fn::GetAtt": ["QueueA", "Arn"] } },
    },
    MappingB: {
      Type: "AWS::Lambda::EventSourceMapping",
      Properties: { EventSourceArn: { "Fn::GetAtt": ["QueueB", "Arn"] } },
    },
    Table: { Type: "AWS::DynamoDB::Table" },
    StreamMapping: {
      Type: "AWS::Lambda::EventSourceMapping",
      Properties: { EventSourceArn: { "Fn::GetAtt": ["Table", "StreamArn"] } },
    },
    Dashboard: { Type: "AWS::CloudWatch::Dashboard" },
    Plain: { Type: "AWS::CloudWatch::Alarm", Properties: { MetricName: "Errors" } },
    Math: {
      Type: "AWS::CloudWatch::Alarm",
      Properties: { Metrics: [{ MetricStat: {} }, { MetricStat: {} }, { Expression: "MAX([a, b])" }] },
    },
    Secret: { Type: "AWS::SecretsManager::Secret" },
    Health: {
      Type: "AWS::Scheduler::Schedule",
      Properties: {
        Name: "check-task-health",
        ScheduleExpression: "rate(5 minutes)",
        Target: { Input: JSON.stringify({ type: "check_task_health" }) },
      },
    },
  },
};

describe("idleCost", () => {
  const cost = idleCost("test", template, prices);
  const line = (start: string) => {
    const found = cost.lines.find((candidate) => candidate.item.startsWith(start));
    if (!found) throw new Error(`no line ${start}`);
    return found;
  };

  it("counts five pollers per SQS mapping, each one long poll per 20 s for 30 days; a stream's mapping polls free", () => {
    // 2 SQS mappings x 5 pollers x 129,600 polls = 1.296 M receives at $0.40 per million.
    expect(line("SQS polling").quantity).toContain("1.30 M empty receives");
    expect(line("SQS polling").monthlyUsd).toBeCloseTo(0.52, 2);
  });

  it("prices dashboards, alarm metrics (each metric of a math alarm) and secrets", () => {
    expect(line("CloudWatch dashboards").monthlyUsd).toBe(3);
    expect(line("CloudWatch alarms").quantity).toBe("2 alarms on 3 metrics");
    expect(line("CloudWatch alarms").monthlyUsd).toBeCloseTo(0.3, 5);
    expect(line("Secrets Manager").monthlyUsd).toBe(0.4);
  });

  it("counts the health check's own metrics beside its record's: each count, dead letters once per lane", () => {
    // 4 from its record (submitted, outcome, duration, queue wait); stuck, unsent, stalled workflows; 4 lanes.
    expect(line("Custom metrics of check_task_health").quantity).toBe("11 EMF metrics with data all month");
    expect(line("Custom metrics of check_task_health").monthlyUsd).toBeCloseTo(3.3, 5);
  });

  it("runs a rate(5 minutes) schedule 8,640 times a month", () => {
    expect(line("Schedule check-task-health").quantity).toContain("8640 runs");
    expect(cost.totalMonthlyUsd).toBeCloseTo(
      cost.lines.reduce((sum, entry) => sum + entry.monthlyUsd, 0),
      1,
    );
  });
});
