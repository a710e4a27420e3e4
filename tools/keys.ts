/**
 * `npm run keys -- create|list|revoke`: the API keys of a deployed stage, of a
 * key table named by hand, or of the local runtime. It writes the key table
 * directly with the caller's AWS credentials (the API's own /v1/keys routes
 * need an admin key, which a fresh deployment does not have yet). A new key
 * works at once; a revoked one stops once the API's key cache lets go of it
 * (API_KEY_CACHE_MS, a minute by default).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createDynamoApiKeyStore } from "../functions/adapters/dynamodb-api-key-store.ts";
import {
  createApiKey,
  listApiKeys,
  parseScopes,
  revokeApiKey,
  shortIdOf,
} from "../functions/core/api-keys.ts";
import { type Scope, scopesOf } from "../functions/core/authenticate.ts";
import { namespaceName, namespaceOfKey } from "../functions/core/namespaces.ts";
import type { ApiKeyRecord } from "../functions/core/ports.ts";
import { stackNameOf, stageConfig, stagesContextKey } from "../lib/stage-config.ts";
import { readRuntimeState } from "../local/runtime-state.ts";
import { projectRoot } from "../local/synthesize.ts";

const usage = `Usage: npm run keys -- <command> [options] [where]

Commands:
  create --name NAME [--namespace NS] [--scopes submit,read,admin]
                                                    create a key; it is printed once, only its hash is stored;
                                                    it acts in namespace NS (default: default)
  list                                              every key: id, name, namespace, scopes, created, revoked
  revoke --id ID | --name NAME                      revoke one active key (ID: 8+ characters of its id)

Where the keys live (one of; default --stage \${CLAW_TASKS_STAGE:-dev}):
  --stage NAME   the deployed stack ClawTasks-NAME (its ApiKeyTableName output)
  --table NAME   a key table by name
  --local        the local runtime that npm start runs

  --json         machine-readable output

AWS access comes from the usual AWS environment (profile, AWS_REGION, and
AWS_ENDPOINT_URL for LocalStack).`;

class UsageError extends Error {}

const options = {
  name: { type: "string" },
  namespace: { type: "string" },
  scopes: { type: "string" },
  id: { type: "string" },
  stage: { type: "string" },
  table: { type: "string" },
  local: { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

interface Target {
  readonly table: string;
  readonly client: DynamoDBClientConfig;
  readonly description: string;
}

/** The `claw-tasks:stages` context of cdk.json and cdk.context.json, as `cdk` would merge it. */
function stagesContext(): unknown {
  const merged: Record<string, unknown> = {};
  for (const file of ["cdk.json", "cdk.context.json"]) {
    try {
      const json = JSON.parse(readFileSync(path.join(projectRoot, file), "utf8")) as Record<string, unknown>;
      const context = (file === "cdk.json" ? json.context : json) as Record<string, unknown> | undefined;
      Object.assign(merged, context?.[stagesContextKey] ?? {});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return merged;
}

async function stageTarget(stage: string): Promise<Target> {
  const config = stageConfig(stage, stagesContext());
  const client = config.region ? { region: config.region } : {};
  const stackName = stackNameOf(config.stage);
  const cloudFormation = new CloudFormationClient(client);
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const table = Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === "ApiKeyTableName")?.OutputValue;
    if (!table)
      throw new Error(`stack ${stackName} has no ApiKeyTableName output; is it deployed completely?`);
    return { table, client, description: `stack ${stackName}` };
  } catch (error) {
    const message = (error as Error).message;
    if (/does not exist/.test(message)) {
      throw new Error(
        `stack ${stackName} not found (${message}); deploy it (npm run deploy -- --stage ${stage}), ` +
          "check AWS_REGION / AWS_PROFILE, or name the table with --table",
      );
    }
    throw error;
  } finally {
    cloudFormation.destroy();
  }
}

function localTarget(): Target {
  const state = readRuntimeState();
  return {
    table: state.apiKeyTableName,
    client: {
      region: state.region,
      endpoint: state.endpoints.dynamodb,
      // The embedded emulators take any credentials; an endpoint like LocalStack gets the caller's.
      ...(process.env.AWS_ACCESS_KEY_ID
        ? {}
        : { credentials: { accessKeyId: "local", secretAccessKey: "local" } }),
    },
    description: `the local runtime at ${state.url}`,
  };
}

async function targetOf(values: { stage?: string; table?: string; local?: boolean }): Promise<Target> {
  const chosen = [values.stage !== undefined, values.table !== undefined, values.local === true];
  if (chosen.filter(Boolean).length > 1) throw new UsageError("give one of --stage, --table, --local");
  if (values.local) return localTarget();
  if (values.table !== undefined)
    return { table: values.table, client: {}, description: `table ${values.table}` };
  return stageTarget(values.stage ?? (process.env.CLAW_TASKS_STAGE || "dev"));
}

/** A key as GET /v1/keys shows it: the id is the key's hash. */
const describe = (record: ApiKeyRecord) => ({
  id: record.keyHash,
  name: record.name,
  scopes: scopesOf(record),
  namespace: namespaceOfKey(record),
  createdAt: record.createdAt,
  ...(record.revokedAt ? { revokedAt: record.revokedAt } : {}),
});

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  if (values.help) {
    console.log(usage);
    return;
  }
  const [command, ...extra] = positionals;
  if (!command || extra.length > 0 || !["create", "list", "revoke"].includes(command)) {
    throw new UsageError(command ? `unknown command ${[command, ...extra].join(" ")}` : "no command given");
  }
  if (command === "create" && !values.name) throw new UsageError("create needs --name");
  if (command === "revoke" && !values.id === !values.name)
    throw new UsageError("revoke needs --id or --name");
  // Scopes are checked before AWS is touched, so a typo costs nothing.
  let scopes: Scope[] | undefined;
  try {
    scopes = values.scopes !== undefined ? parseScopes(values.scopes) : undefined;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.namespace !== undefined && command !== "create")
    throw new UsageError("--namespace is for create");
  if (values.namespace !== undefined && !namespaceName.safeParse(values.namespace).success) {
    throw new UsageError(
      `--namespace takes 1-32 lower-case letters, digits, _ or -, starting with a letter or digit; got "${values.namespace}"`,
    );
  }

  const target = await targetOf(values);
  const dynamodb = new DynamoDBClient(target.client);
  const store = createDynamoApiKeyStore(DynamoDBDocumentClient.from(dynamodb), target.table);
  try {
    if (command === "create") {
      const { key, record } = await createApiKey(store, {
        name: values.name!,
        scopes,
        ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
        now: new Date(),
      });
      if (values.json) {
        console.log(JSON.stringify({ key, ...describe(record), table: target.table }));
        return;
      }
      console.log(
        `Created API key "${record.name}" (id ${shortIdOf(record)}, namespace ${namespaceOfKey(record)}, ` +
          `scopes ${scopesOf(record).join(", ")}) ` +
          `in ${target.description}, table ${target.table}.\nKeep it now; it is not shown again:\n\n  ${key}\n`,
      );
    } else if (command === "list") {
      const records = await listApiKeys(store);
      if (values.json) {
        console.log(JSON.stringify(records.map(describe)));
        return;
      }
      const rows = records.map((record) => [
        shortIdOf(record),
        record.name,
        namespaceOfKey(record),
        scopesOf(record).join(","),
        record.createdAt,
        record.revokedAt ?? "-",
      ]);
      console.log(`${records.length} key(s) in ${target.description}, table ${target.table}`);
      if (rows.length > 0)
        console.log(table([["id", "name", "namespace", "scopes", "created", "revoked"], ...rows]));
    } else {
      const record = await revokeApiKey(store, { id: values.id, name: values.name }, new Date());
      if (values.json) {
        console.log(JSON.stringify(describe(record)));
        return;
      }
      console.log(`Revoked API key "${record.name}" (id ${shortIdOf(record)}) in ${target.description}.`);
    }
  } finally {
    dynamodb.destroy();
  }
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  const usageError =
    error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
  console.error(`keys: ${(error as Error).message}${usageError ? `\n\n${usage}` : ""}`);
  process.exit(usageError ? 2 : 1);
}
