/**
 * Secrets from AWS Secrets Manager, read on first use and kept for the life
 * of the process. Functions get a secret's ARN in an environment variable,
 * never its value; the local runtime answers GetSecretValue itself.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

let client: SecretsManagerClient | undefined;
const cache = new Map<string, Promise<string>>();

export function readSecret(secretId: string): Promise<string> {
  let value = cache.get(secretId);
  if (!value) {
    client ??= new SecretsManagerClient({});
    value = client.send(new GetSecretValueCommand({ SecretId: secretId })).then(({ SecretString }) => {
      if (!SecretString) throw new Error(`secret ${secretId} has no string value`);
      return SecretString;
    });
    // A failed read is tried again next time rather than remembered.
    value.catch(() => cache.delete(secretId));
    cache.set(secretId, value);
  }
  return value;
}
