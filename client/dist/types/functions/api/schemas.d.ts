/**
 * The API's request and response schemas that are not part of the core
 * model. Route handlers validate with them and the route table
 * (routes.ts) carries them into the OpenAPI document, so each is written once.
 */
import * as z from "zod";
/** `GET /v1/tasks` query. */
export declare const listTasksQuery: z.ZodObject<
  {
    status: z.ZodOptional<
      z.ZodEnum<{
        queued: "queued";
        scheduled: "scheduled";
        running: "running";
        retrying: "retrying";
        succeeded: "succeeded";
        failed: "failed";
        cancelled: "cancelled";
        expired: "expired";
      }>
    >;
    type: z.ZodOptional<
      z.ZodEnum<{
        generate_ai_response: "generate_ai_response";
        vectorize_document: "vectorize_document";
        update_knowledge_base: "update_knowledge_base";
        delete_knowledge_vectors: "delete_knowledge_vectors";
        send_notification: "send_notification";
        cleanup_expired_results: "cleanup_expired_results";
        check_task_health: "check_task_health";
        echo: "echo";
      }>
    >;
    tag: z.ZodOptional<z.ZodString>;
    limit: z.ZodDefault<z.ZodCoercedNumber<unknown>>;
    cursor: z.ZodOptional<z.ZodString>;
  },
  z.core.$strict
>;
/** `Idempotency-Key` header of the submit routes. */
export declare const idempotencyKeyHeader: z.ZodString;
/** `PUT /v1/rate-limits/{type}` body. */
export declare const rateLimitBody: z.ZodObject<
  {
    perMinute: z.ZodNullable<z.ZodInt>;
  },
  z.core.$strict
>;
export declare const errorBodySchema: z.ZodObject<
  {
    error: z.ZodObject<
      {
        code: z.ZodEnum<{
          validation_error: "validation_error";
          unauthorized: "unauthorized";
          forbidden: "forbidden";
          not_found: "not_found";
          conflict: "conflict";
          payload_too_large: "payload_too_large";
          throttled: "throttled";
          service_unavailable: "service_unavailable";
          internal_error: "internal_error";
        }>;
        message: z.ZodString;
        details: z.ZodOptional<z.ZodUnknown>;
      },
      z.core.$strip
    >;
  },
  z.core.$strip
>;
export declare const healthSchema: z.ZodObject<
  {
    status: z.ZodLiteral<"ok">;
    time: z.ZodISODateTime;
  },
  z.core.$strip
>;
export declare const taskPageSchema: z.ZodObject<
  {
    items: z.ZodArray<
      z.ZodObject<
        {
          id: z.ZodString;
          type: z.ZodEnum<{
            generate_ai_response: "generate_ai_response";
            vectorize_document: "vectorize_document";
            update_knowledge_base: "update_knowledge_base";
            delete_knowledge_vectors: "delete_knowledge_vectors";
            send_notification: "send_notification";
            cleanup_expired_results: "cleanup_expired_results";
            check_task_health: "check_task_health";
            echo: "echo";
          }>;
          status: z.ZodEnum<{
            queued: "queued";
            scheduled: "scheduled";
            running: "running";
            retrying: "retrying";
            succeeded: "succeeded";
            failed: "failed";
            cancelled: "cancelled";
            expired: "expired";
          }>;
          lane: z.ZodEnum<{
            ai_high_priority: "ai_high_priority";
            knowledge_default: "knowledge_default";
            notification_default: "notification_default";
            default: "default";
          }>;
          priority: z.ZodEnum<{
            high: "high";
            normal: "normal";
            low: "low";
          }>;
          input: z.ZodUnknown;
          result: z.ZodOptional<z.ZodUnknown>;
          error: z.ZodOptional<
            z.ZodObject<
              {
                type: z.ZodString;
                message: z.ZodString;
                retryable: z.ZodBoolean;
              },
              z.core.$strip
            >
          >;
          progress: z.ZodOptional<
            z.ZodObject<
              {
                percent: z.ZodNumber;
                message: z.ZodOptional<z.ZodString>;
              },
              z.core.$strip
            >
          >;
          attempts: z.ZodInt;
          maxAttempts: z.ZodInt;
          createdAt: z.ZodISODateTime;
          updatedAt: z.ZodISODateTime;
          startedAt: z.ZodOptional<z.ZodISODateTime>;
          finishedAt: z.ZodOptional<z.ZodISODateTime>;
          runAt: z.ZodOptional<z.ZodISODateTime>;
          expiresAt: z.ZodOptional<z.ZodISODateTime>;
          nextAttemptAt: z.ZodOptional<z.ZodISODateTime>;
          cancelRequestedAt: z.ZodOptional<z.ZodISODateTime>;
          timeLimits: z.ZodOptional<
            z.ZodObject<
              {
                softSeconds: z.ZodNumber;
                hardSeconds: z.ZodNumber;
              },
              z.core.$strip
            >
          >;
          callbackUrl: z.ZodOptional<z.ZodString>;
          scheduleName: z.ZodOptional<z.ZodString>;
          tags: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodString>>;
          history: z.ZodArray<
            z.ZodObject<
              {
                status: z.ZodEnum<{
                  queued: "queued";
                  scheduled: "scheduled";
                  running: "running";
                  retrying: "retrying";
                  succeeded: "succeeded";
                  failed: "failed";
                  cancelled: "cancelled";
                  expired: "expired";
                }>;
                at: z.ZodISODateTime;
                attempt: z.ZodOptional<z.ZodInt>;
                error: z.ZodOptional<
                  z.ZodObject<
                    {
                      type: z.ZodString;
                      message: z.ZodString;
                      retryable: z.ZodBoolean;
                    },
                    z.core.$strip
                  >
                >;
                note: z.ZodOptional<z.ZodString>;
              },
              z.core.$strip
            >
          >;
          historyDropped: z.ZodOptional<z.ZodInt>;
        },
        z.core.$strip
      >
    >;
    nextCursor: z.ZodNullable<z.ZodString>;
  },
  z.core.$strip
>;
export declare const statsSchema: z.ZodObject<
  {
    byStatus: z.ZodRecord<
      z.ZodEnum<{
        queued: "queued";
        scheduled: "scheduled";
        running: "running";
        retrying: "retrying";
        succeeded: "succeeded";
        failed: "failed";
        cancelled: "cancelled";
        expired: "expired";
      }> &
        z.core.$partial,
      z.ZodInt
    >;
    byType: z.ZodRecord<
      z.ZodEnum<{
        generate_ai_response: "generate_ai_response";
        vectorize_document: "vectorize_document";
        update_knowledge_base: "update_knowledge_base";
        delete_knowledge_vectors: "delete_knowledge_vectors";
        send_notification: "send_notification";
        cleanup_expired_results: "cleanup_expired_results";
        check_task_health: "check_task_health";
        echo: "echo";
      }> &
        z.core.$partial,
      z.ZodRecord<
        z.ZodEnum<{
          queued: "queued";
          scheduled: "scheduled";
          running: "running";
          retrying: "retrying";
          succeeded: "succeeded";
          failed: "failed";
          cancelled: "cancelled";
          expired: "expired";
        }> &
          z.core.$partial,
        z.ZodInt
      >
    >;
    lanes: z.ZodArray<
      z.ZodObject<
        {
          deadLetters: z.ZodInt;
          visible: z.ZodInt;
          inFlight: z.ZodInt;
          delayed: z.ZodInt;
          lane: z.ZodEnum<{
            ai_high_priority: "ai_high_priority";
            knowledge_default: "knowledge_default";
            notification_default: "notification_default";
            default: "default";
          }>;
          queues: z.ZodRecord<
            z.ZodString,
            z.ZodObject<
              {
                visible: z.ZodInt;
                inFlight: z.ZodInt;
                delayed: z.ZodInt;
              },
              z.core.$strip
            >
          >;
        },
        z.core.$strip
      >
    >;
    time: z.ZodISODateTime;
  },
  z.core.$strip
>;
export declare const activityQuery: z.ZodObject<
  {
    minutes: z.ZodDefault<z.ZodCoercedNumber<unknown>>;
  },
  z.core.$strict
>;
export declare const activitySchema: z.ZodObject<
  {
    items: z.ZodArray<
      z.ZodObject<
        {
          minute: z.ZodISODateTime;
          submitted: z.ZodInt;
          started: z.ZodInt;
          retried: z.ZodInt;
          succeeded: z.ZodInt;
          failed: z.ZodInt;
          cancelled: z.ZodInt;
          expired: z.ZodInt;
        },
        z.core.$strip
      >
    >;
    time: z.ZodISODateTime;
  },
  z.core.$strip
>;
export declare const queueListSchema: z.ZodObject<
  {
    items: z.ZodArray<
      z.ZodObject<
        {
          deadLetters: z.ZodInt;
          visible: z.ZodInt;
          inFlight: z.ZodInt;
          delayed: z.ZodInt;
          lane: z.ZodEnum<{
            ai_high_priority: "ai_high_priority";
            knowledge_default: "knowledge_default";
            notification_default: "notification_default";
            default: "default";
          }>;
          queues: z.ZodRecord<
            z.ZodString,
            z.ZodObject<
              {
                visible: z.ZodInt;
                inFlight: z.ZodInt;
                delayed: z.ZodInt;
              },
              z.core.$strip
            >
          >;
        },
        z.core.$strip
      >
    >;
  },
  z.core.$strip
>;
export declare const redriveResultSchema: z.ZodObject<
  {
    lane: z.ZodEnum<{
      ai_high_priority: "ai_high_priority";
      knowledge_default: "knowledge_default";
      notification_default: "notification_default";
      default: "default";
    }>;
    moved: z.ZodInt;
  },
  z.core.$strip
>;
export declare const rateLimitSchema: z.ZodObject<
  {
    type: z.ZodEnum<{
      generate_ai_response: "generate_ai_response";
      vectorize_document: "vectorize_document";
      update_knowledge_base: "update_knowledge_base";
      delete_knowledge_vectors: "delete_knowledge_vectors";
      send_notification: "send_notification";
      cleanup_expired_results: "cleanup_expired_results";
      check_task_health: "check_task_health";
      echo: "echo";
    }>;
    perMinute: z.ZodNullable<z.ZodInt>;
    source: z.ZodEnum<{
      override: "override";
      catalog: "catalog";
    }>;
    catalogPerMinute: z.ZodNullable<z.ZodInt>;
  },
  z.core.$strip
>;
export declare const rateLimitListSchema: z.ZodObject<
  {
    items: z.ZodArray<
      z.ZodObject<
        {
          type: z.ZodEnum<{
            generate_ai_response: "generate_ai_response";
            vectorize_document: "vectorize_document";
            update_knowledge_base: "update_knowledge_base";
            delete_knowledge_vectors: "delete_knowledge_vectors";
            send_notification: "send_notification";
            cleanup_expired_results: "cleanup_expired_results";
            check_task_health: "check_task_health";
            echo: "echo";
          }>;
          perMinute: z.ZodNullable<z.ZodInt>;
          source: z.ZodEnum<{
            override: "override";
            catalog: "catalog";
          }>;
          catalogPerMinute: z.ZodNullable<z.ZodInt>;
        },
        z.core.$strip
      >
    >;
  },
  z.core.$strip
>;
export declare const openApiDocumentSchema: z.ZodRecord<z.ZodString, z.ZodUnknown>;
/** `POST /v1/keys` body. */
export declare const newKeyBody: z.ZodObject<
  {
    name: z.ZodString;
    scopes: z.ZodDefault<
      z.ZodArray<
        z.ZodEnum<{
          submit: "submit";
          read: "read";
          admin: "admin";
        }>
      >
    >;
    ratePerSecond: z.ZodOptional<z.ZodNumber>;
  },
  z.core.$strict
>;
/** An API key as the API shows it: never the key itself, except once on creation. */
export declare const apiKeySchema: z.ZodObject<
  {
    id: z.ZodString;
    name: z.ZodString;
    scopes: z.ZodArray<
      z.ZodEnum<{
        submit: "submit";
        read: "read";
        admin: "admin";
      }>
    >;
    ratePerSecond: z.ZodOptional<z.ZodNumber>;
    createdAt: z.ZodString;
    revokedAt: z.ZodOptional<z.ZodString>;
  },
  z.core.$strip
>;
/** `GET /v1/whoami`: the calling key (a revoked key never gets this far). */
export declare const callerKeySchema: z.ZodObject<
  {
    id: z.ZodString;
    createdAt: z.ZodString;
    name: z.ZodString;
    scopes: z.ZodArray<
      z.ZodEnum<{
        submit: "submit";
        read: "read";
        admin: "admin";
      }>
    >;
    ratePerSecond: z.ZodOptional<z.ZodNumber>;
  },
  z.core.$strip
>;
export declare const apiKeyListSchema: z.ZodObject<
  {
    items: z.ZodArray<
      z.ZodObject<
        {
          id: z.ZodString;
          name: z.ZodString;
          scopes: z.ZodArray<
            z.ZodEnum<{
              submit: "submit";
              read: "read";
              admin: "admin";
            }>
          >;
          ratePerSecond: z.ZodOptional<z.ZodNumber>;
          createdAt: z.ZodString;
          revokedAt: z.ZodOptional<z.ZodString>;
        },
        z.core.$strip
      >
    >;
    nextCursor: z.ZodNull;
  },
  z.core.$strip
>;
export declare const createdApiKeySchema: z.ZodObject<
  {
    id: z.ZodString;
    name: z.ZodString;
    scopes: z.ZodArray<
      z.ZodEnum<{
        submit: "submit";
        read: "read";
        admin: "admin";
      }>
    >;
    ratePerSecond: z.ZodOptional<z.ZodNumber>;
    createdAt: z.ZodString;
    revokedAt: z.ZodOptional<z.ZodString>;
    key: z.ZodString;
  },
  z.core.$strip
>;
/** `GET /v1/conversations/{id}` query. */
export declare const conversationQuery: z.ZodObject<
  {
    limit: z.ZodDefault<z.ZodCoercedNumber<unknown>>;
    cursor: z.ZodOptional<z.ZodString>;
  },
  z.core.$strict
>;
export declare const conversationPageSchema: z.ZodObject<
  {
    conversationId: z.ZodString;
    items: z.ZodArray<
      z.ZodObject<
        {
          role: z.ZodEnum<{
            user: "user";
            assistant: "assistant";
          }>;
          content: z.ZodString;
          at: z.ZodString;
          taskId: z.ZodString;
          model: z.ZodOptional<
            z.ZodObject<
              {
                provider: z.ZodEnum<{
                  offline: "offline";
                  bedrock: "bedrock";
                  openai: "openai";
                }>;
                id: z.ZodString;
              },
              z.core.$strip
            >
          >;
          usage: z.ZodOptional<
            z.ZodObject<
              {
                inputTokens: z.ZodInt;
                outputTokens: z.ZodInt;
              },
              z.core.$strip
            >
          >;
        },
        z.core.$strip
      >
    >;
    nextCursor: z.ZodNullable<z.ZodString>;
  },
  z.core.$strip
>;
/** `GET /v1/knowledge-bases/{kb}/search` query. */
export declare const searchQuery: z.ZodObject<
  {
    q: z.ZodString;
    k: z.ZodDefault<z.ZodCoercedNumber<unknown>>;
  },
  z.core.$strict
>;
export declare const searchResultSchema: z.ZodObject<
  {
    knowledgeBaseId: z.ZodString;
    query: z.ZodString;
    model: z.ZodObject<
      {
        provider: z.ZodEnum<{
          offline: "offline";
          bedrock: "bedrock";
          openai: "openai";
        }>;
        id: z.ZodString;
      },
      z.core.$strip
    >;
    items: z.ZodArray<
      z.ZodObject<
        {
          documentId: z.ZodString;
          chunkIndex: z.ZodInt;
          score: z.ZodNumber;
          text: z.ZodString;
          metadata: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodString>>;
        },
        z.core.$strip
      >
    >;
  },
  z.core.$strip
>;
export declare const schedulePageSchema: z.ZodObject<
  {
    items: z.ZodArray<
      z.ZodObject<
        {
          name: z.ZodString;
          expression: z.ZodString;
          timezone: z.ZodString;
          task: z.ZodObject<
            {
              type: z.ZodEnum<{
                generate_ai_response: "generate_ai_response";
                vectorize_document: "vectorize_document";
                update_knowledge_base: "update_knowledge_base";
                delete_knowledge_vectors: "delete_knowledge_vectors";
                send_notification: "send_notification";
                cleanup_expired_results: "cleanup_expired_results";
                check_task_health: "check_task_health";
                echo: "echo";
              }>;
              input: z.ZodUnknown;
              priority: z.ZodEnum<{
                high: "high";
                normal: "normal";
                low: "low";
              }>;
            },
            z.core.$strip
          >;
          enabled: z.ZodBoolean;
          description: z.ZodOptional<z.ZodString>;
          createdAt: z.ZodString;
          updatedAt: z.ZodString;
          nextFireTimes: z.ZodArray<z.ZodString>;
        },
        z.core.$strip
      >
    >;
    nextCursor: z.ZodNullable<z.ZodString>;
  },
  z.core.$strip
>;
export declare const workerListSchema: z.ZodObject<
  {
    items: z.ZodArray<
      z.ZodObject<
        {
          lane: z.ZodEnum<{
            ai_high_priority: "ai_high_priority";
            knowledge_default: "knowledge_default";
            notification_default: "notification_default";
            default: "default";
          }>;
          function: z.ZodString;
          enabled: z.ZodBoolean;
          state: z.ZodString;
          maxConcurrency: z.ZodNullable<z.ZodInt>;
          mappings: z.ZodArray<
            z.ZodObject<
              {
                priority: z.ZodString;
                state: z.ZodString;
                maxConcurrency: z.ZodNullable<z.ZodInt>;
              },
              z.core.$strip
            >
          >;
          batchSize: z.ZodInt;
          backlog: z.ZodInt;
          inFlight: z.ZodInt;
          delayed: z.ZodInt;
          dlqDepth: z.ZodInt;
          lastActivityAt: z.ZodNullable<z.ZodString>;
        },
        z.core.$strip
      >
    >;
    nextCursor: z.ZodNull;
  },
  z.core.$strip
>;
