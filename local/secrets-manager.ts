/**
 * A minimal AWS Secrets Manager for the local runtime: CreateSecret,
 * PutSecretValue (rotation) and GetSecretValue over the service's JSON protocol, in memory, on loopback.
 * Functions reach it through AWS_ENDPOINT_URL_SECRETS_MANAGER with the real
 * SDK, so their code is the same as in AWS. Neither emulator offers it.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listen } from "./listening-server.ts";

export interface RunningSecretsManager {
  readonly endpoint: string;
  stop(): Promise<void>;
}

interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  readonly value: string;
  readonly versionId: string;
  readonly createdAt: number;
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startSecretsManager(region: string, accountId: string): Promise<RunningSecretsManager> {
  const secrets = new Map<string, StoredSecret>();
  const server = createServer(async (request, response) => {
    try {
      const target = String(request.headers["x-amz-target"] ?? "").replace(/^secretsmanager\./, "");
      const body = await readBody(request);
      if (target === "CreateSecret") {
        const name = String(body.Name);
        if (secrets.has(name)) {
          return reply(response, 400, {
            __type: "ResourceExistsException",
            message: `secret ${name} exists`,
          });
        }
        const secret: StoredSecret = {
          arn: `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${randomUUID().slice(0, 6)}`,
          name,
          value: String(body.SecretString ?? ""),
          versionId: randomUUID(),
          createdAt: Date.now() / 1000,
        };
        secrets.set(name, secret);
        secrets.set(secret.arn, secret);
        return reply(response, 200, { ARN: secret.arn, Name: name, VersionId: secret.versionId });
      }
      if (target === "PutSecretValue") {
        const current = secrets.get(String(body.SecretId));
        if (!current) {
          return reply(response, 400, {
            __type: "ResourceNotFoundException",
            message: `Secrets Manager can't find the specified secret ${String(body.SecretId)}`,
          });
        }
        const rotated: StoredSecret = {
          ...current,
          value: String(body.SecretString ?? ""),
          versionId: randomUUID(),
          createdAt: Date.now() / 1000,
        };
        secrets.set(rotated.name, rotated);
        secrets.set(rotated.arn, rotated);
        return reply(response, 200, { ARN: rotated.arn, Name: rotated.name, VersionId: rotated.versionId });
      }
      if (target === "GetSecretValue") {
        const secret = secrets.get(String(body.SecretId));
        if (!secret) {
          return reply(response, 400, {
            __type: "ResourceNotFoundException",
            message: `Secrets Manager can't find the specified secret ${String(body.SecretId)}`,
          });
        }
        return reply(response, 200, {
          ARN: secret.arn,
          Name: secret.name,
          SecretString: secret.value,
          VersionId: secret.versionId,
          VersionStages: ["AWSCURRENT"],
          CreatedDate: secret.createdAt,
        });
      }
      reply(response, 400, {
        __type: "InvalidRequestException",
        message: `${target} is not supported locally`,
      });
    } catch (error) {
      reply(response, 500, { __type: "InternalServiceError", message: (error as Error).message });
    }
  });
  const { url, stop } = await listen(server);
  return { endpoint: url, stop };
}
