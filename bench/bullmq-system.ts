/**
 * Child process: the BullMQ + Redis baseline, doing the work claw-tasks does
 * for a task: an HTTP submit endpoint that checks the bearer key against the
 * store (a Redis GET of its SHA-256, as claw-tasks reads DynamoDB),
 * validates the body with the same parser, and adds a job; a BullMQ worker
 * that runs the same echo handler and whose result BullMQ records in Redis;
 * and a read endpoint. Answers `stop`.
 */
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { ApiError } from "../functions/core/api-error.ts";
import { generateApiKey, hashApiKey } from "../functions/core/authenticate.ts";
import { parseSubmission } from "../functions/core/submission.ts";
import { taskCatalog } from "../functions/tasks/catalog.ts";
import { echo } from "../functions/tasks/echo.ts";
import { failToParent, serveParent } from "./child-system.ts";

export interface BullmqSystemConfig {
  readonly redisPort: number;
  /** Jobs the worker runs at once. */
  readonly concurrency: number;
}

export interface BullmqSystemInfo {
  readonly url: string;
  readonly apiKey: string;
}

const config = JSON.parse(process.argv[2] ?? "{}") as BullmqSystemConfig;
const connection = { host: "127.0.0.1", port: config.redisPort, maxRetriesPerRequest: null };
const queueName = "bench-echo";

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : {};
}

try {
  const redis = new Redis(connection);
  const queue = new Queue(queueName, { connection });
  const worker = new Worker(
    queueName,
    async (job: Job) => {
      const input = taskCatalog.echo.input.parse(job.data.input);
      return echo(input as Parameters<typeof echo>[0], {
        taskId: String(job.id),
        attempt: job.attemptsMade + 1,
        maxAttempts: 3,
        submittedAt: new Date(job.timestamp).toISOString(),
        signal: new AbortController().signal,
        reportProgress: async (progress) => {
          await job.updateProgress(progress.percent);
        },
      });
    },
    { connection, concurrency: config.concurrency },
  );
  await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
  const apiKey = generateApiKey();
  await redis.set(
    `apikey:${hashApiKey(apiKey)}`,
    JSON.stringify({ name: "bench", createdAt: new Date().toISOString() }),
  );

  const authenticate = async (request: IncomingMessage) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
    const record = match ? await redis.get(`apikey:${hashApiKey(match[1]!)}`) : null;
    if (!record) throw new ApiError(401, "unauthorized", "invalid API key");
  };

  const server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? "/", "http://localhost");
      if (request.method === "POST" && url.pathname === "/v1/tasks") {
        await authenticate(request);
        const submission = parseSubmission(await readBody(request), new Date());
        const createdAt = new Date().toISOString();
        const job = await queue.add(
          submission.type,
          { input: submission.input, priority: submission.priority, createdAt },
          { jobId: randomUUID(), attempts: 3 },
        );
        reply(response, 202, { id: job.id, type: submission.type, status: "queued", createdAt });
        return;
      }
      const read = /^\/v1\/tasks\/([^/]+)$/.exec(url.pathname);
      if (request.method === "GET" && read) {
        await authenticate(request);
        const job = await Job.fromId(queue, decodeURIComponent(read[1]!));
        if (!job) throw new ApiError(404, "not_found", "task not found");
        const status = job.finishedOn ? (job.failedReason ? "failed" : "succeeded") : "queued";
        reply(response, 200, {
          id: job.id,
          status,
          result: job.returnvalue,
          ...(job.finishedOn ? { finishedAt: new Date(job.finishedOn).toISOString() } : {}),
        });
        return;
      }
      throw new ApiError(404, "not_found", "route not found");
    } catch (error) {
      if (error instanceof ApiError)
        reply(response, error.status, { error: { code: error.code, message: error.message } });
      else reply(response, 500, { error: { code: "internal_error", message: (error as Error).message } });
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  serveParent({ url: `http://127.0.0.1:${port}`, apiKey } satisfies BullmqSystemInfo, {}, async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await worker.close();
    await queue.close();
    redis.disconnect();
  });
} catch (error) {
  failToParent(error as Error);
}
