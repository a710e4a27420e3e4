/**
 * Secrets from AWS Secrets Manager through Powertools Parameters: read on
 * first use and cached for a maximum age (POWERTOOLS_PARAMETERS_MAX_AGE
 * seconds, 300 by default here), so a rotated secret (the webhook signing
 * key, a model provider's key) reaches warm functions within that time, with
 * no cold start. Functions get a secret's ARN in an environment variable,
 * never its value; the local runtime answers GetSecretValue itself.
 * A failed read is not cached: the next use tries again.
 */
import type { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { secretsManagerClient } from "./aws-clients.ts";

/** Powertools' own default is 5 s; secrets change rarely, and each read is a billed API call. */
export const defaultSecretsMaxAgeSeconds = 300;

let provider: Promise<SecretsProvider> | undefined;
let maxAge: number | undefined;

function secretsMaxAgeSeconds(): number {
  const configured = process.env.POWERTOOLS_PARAMETERS_MAX_AGE;
  if (configured === undefined || configured === "") return defaultSecretsMaxAgeSeconds;
  const seconds = Number(configured);
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new Error(`POWERTOOLS_PARAMETERS_MAX_AGE must be a whole number of seconds, got ${configured}`);
  }
  return seconds;
}

export async function readSecret(secretId: string): Promise<string> {
  maxAge ??= secretsMaxAgeSeconds();
  // Parameters and the Secrets Manager client load on the first read, not at cold start.
  provider ??= Promise.all([
    import("@aws-lambda-powertools/parameters/secrets"),
    secretsManagerClient(),
  ]).then(([{ SecretsProvider }, client]) => new SecretsProvider({ awsSdkV3Client: client }));
  const value = await (await provider).get(secretId, { maxAge });
  if (typeof value !== "string" || value === "") throw new Error(`secret ${secretId} has no string value`);
  return value;
}
