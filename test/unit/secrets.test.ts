/**
 * Unit tier: the secrets adapter (Powertools Parameters) against the local
 * runtime's Secrets Manager over the real SDK. A rotated secret is seen once
 * the maximum age has passed, not before, and without a new process.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSecretsManager, startSecretsManager } from "../../local/secrets-manager.ts";

let secretsManager: RunningSecretsManager;
let admin: SecretsManagerClient;

beforeAll(async () => {
  secretsManager = await startSecretsManager("us-east-1", "000000000000");
  // The adapter builds its SDK client from the standard environment, as in a function.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    POWERTOOLS_PARAMETERS_MAX_AGE: "1",
  });
  admin = new SecretsManagerClient({ endpoint: secretsManager.endpoint });
});
afterAll(() => secretsManager.stop());

describe("readSecret", () => {
  it("caches a secret for its maximum age, then reads the rotated value", async () => {
    // Prepare
    const { readSecret } = await import("../../functions/adapters/secrets.ts");
    const { ARN } = await admin.send(new CreateSecretCommand({ Name: "signing", SecretString: "first" }));

    // Act and assess: cached within the maximum age, the new value after it.
    expect(await readSecret(ARN!)).toBe("first");
    await admin.send(new PutSecretValueCommand({ SecretId: ARN!, SecretString: "second" }));
    expect(await readSecret(ARN!)).toBe("first");
    await sleep(1_100);
    expect(await readSecret(ARN!)).toBe("second");
  });

  it("fails, naming the secret, when it does not exist", async () => {
    const { readSecret } = await import("../../functions/adapters/secrets.ts");
    await expect(readSecret("no-such-secret")).rejects.toThrow(/no-such-secret/);
  });
});
