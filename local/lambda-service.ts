/**
 * The local Lambda control plane for event-source mappings: the
 * GetEventSourceMapping, ListEventSourceMappings and UpdateEventSourceMapping
 * operations the API function uses, served for the template's mappings and
 * applied to their pollers at once (pausing stops consumption, resuming
 * drains the backlog, a new MaximumConcurrency takes effect immediately);
 * and GetAccountSettings, with a concurrency quota of one's choosing, for
 * the deploy preflight's tests (tools/preflight.ts).
 * Functions reach it through AWS_ENDPOINT_URL_LAMBDA.
 */

import {
  AwsServiceError,
  epochSeconds,
  type RunningRestService,
  startRestService,
} from "./aws-rest-service.ts";
import type { EventSourcePoller } from "./event-source-poller.ts";

export interface LocalMapping {
  readonly uuid: string;
  readonly functionArn: string;
  readonly functionName: string;
  readonly eventSourceArn: string;
  readonly poller: EventSourcePoller;
  lastModified: Date;
}

const apiVersion = "/2015-03-31";

function configurationOf(mapping: LocalMapping) {
  const { poller } = mapping;
  return {
    UUID: mapping.uuid,
    BatchSize: poller.spec.batchSize,
    EventSourceArn: mapping.eventSourceArn,
    FunctionArn: mapping.functionArn,
    LastModified: epochSeconds(mapping.lastModified),
    State: poller.state,
    StateTransitionReason: "USER_INITIATED",
    ScalingConfig: { MaximumConcurrency: poller.maxConcurrency },
    FunctionResponseTypes: poller.spec.reportBatchItemFailures ? ["ReportBatchItemFailures"] : [],
  };
}

function invalid(message: string): AwsServiceError {
  return new AwsServiceError(400, "InvalidParameterValueException", message);
}

/** What GetAccountSettings answers: the account's concurrency quota and how much of it is unreserved. */
export interface LocalLambdaAccount {
  readonly concurrentExecutions: number;
  readonly unreservedConcurrentExecutions: number;
}

/** Starts the service over `mappings`, which the runtime fills as it creates the pollers. */
export function startLambdaService(
  mappings: ReadonlyMap<string, LocalMapping>,
  account: LocalLambdaAccount = { concurrentExecutions: 1000, unreservedConcurrentExecutions: 1000 },
): Promise<RunningRestService> {
  const find = (uuid: string | undefined) => {
    const mapping = uuid ? mappings.get(uuid) : undefined;
    if (!mapping)
      throw new AwsServiceError(
        404,
        "ResourceNotFoundException",
        `The resource you requested does not exist. (UUID ${uuid})`,
      );
    return mapping;
  };
  return startRestService("Lambda", [
    {
      method: "GET",
      path: "/2016-08-19/account-settings",
      handle: () => ({
        AccountLimit: {
          ConcurrentExecutions: account.concurrentExecutions,
          UnreservedConcurrentExecutions: account.unreservedConcurrentExecutions,
        },
        AccountUsage: { FunctionCount: new Set([...mappings.values()].map((m) => m.functionArn)).size },
      }),
    },
    {
      method: "GET",
      path: `${apiVersion}/event-source-mappings/{UUID}`,
      handle: ({ params }) => configurationOf(find(params.UUID)),
    },
    {
      method: "GET",
      path: `${apiVersion}/event-source-mappings`,
      handle: ({ query }) => {
        const functionName = query.get("FunctionName");
        const sourceArn = query.get("EventSourceArn");
        const matching = [...mappings.values()].filter(
          (mapping) =>
            (!functionName ||
              mapping.functionName === functionName ||
              mapping.functionArn === functionName) &&
            (!sourceArn || mapping.eventSourceArn === sourceArn),
        );
        return { EventSourceMappings: matching.map(configurationOf) };
      },
    },
    {
      method: "PUT",
      path: `${apiVersion}/event-source-mappings/{UUID}`,
      handle: ({ params, body }) => {
        const mapping = find(params.UUID);
        const { Enabled, ScalingConfig, ...rest } = body as {
          Enabled?: unknown;
          ScalingConfig?: { MaximumConcurrency?: unknown };
        } & Record<string, unknown>;
        const unsupported = Object.keys(rest);
        if (unsupported.length > 0)
          throw invalid(`the local Lambda does not change ${unsupported.join(", ")}`);
        if (Enabled !== undefined && typeof Enabled !== "boolean") throw invalid("Enabled must be a boolean");
        const concurrency = ScalingConfig?.MaximumConcurrency;
        if (
          concurrency !== undefined &&
          (!Number.isInteger(concurrency) || (concurrency as number) < 2 || (concurrency as number) > 1000)
        ) {
          throw invalid("ScalingConfig.MaximumConcurrency must be an integer from 2 to 1000");
        }
        mapping.poller.update({
          ...(Enabled === undefined ? {} : { enabled: Enabled }),
          ...(concurrency === undefined ? {} : { maxConcurrency: concurrency as number }),
        });
        mapping.lastModified = new Date();
        return configurationOf(mapping);
      },
    },
  ]);
}
