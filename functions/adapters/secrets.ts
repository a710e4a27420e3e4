/**
 * Secrets from AWS Secrets Manager, read on first use and kept for the life
 * of the process. Functions get a secret's ARN in an environment variable,
 * never its value; the local runtime answers GetSecretValue itself.
 */
import { secretsManagerClient } from "./aws-clients.ts";

const cache = new Map<string, Promise<string>>();

export function readSecret(secretId: string): Promise<string> {
  let value = cache.get(secretId);
  if (!value) {
    value = (async () => {
      // The command class comes with the client's chunk, loaded on the first read.
      const [client, { GetSecretValueCommand }] = await Promise.all([
        secretsManagerClient(),
        import("@aws-sdk/client-secrets-manager"),
      ]);
      const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      if (!SecretString) throw new Error(`secret ${secretId} has no string value`);
      return SecretString;
    })();
    // A failed read is tried again next time rather than remembered.
    value.catch(() => cache.delete(secretId));
    cache.set(secretId, value);
  }
  return value;
}
