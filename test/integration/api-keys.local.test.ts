/**
 * Integration tier, local only: the key command (`npm run keys`, tools/keys.ts)
 * run as its real binary against the local runtime's key table. A created
 * key works over HTTP at once; a revoked one is refused once the API's key
 * cache lets go (100 ms in the test runtime). Local only
 * because it writes the runtime's key table through its DynamoDB endpoint.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { scopes as apiScopes } from "../../functions/core/authenticate.ts";
import { projectRoot } from "../../local/synthesize.ts";
import { api, eventually, localRuntime } from "./api-client.ts";

const runtime = localRuntime();

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run keys -- <args> --table <the runtime's key table>`, with the runtime's endpoint and credentials. */
async function keys(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["tools/keys.ts", ...args, "--table", runtime.apiKeyTableName],
      {
        cwd: projectRoot,
        env: {
          ...process.env,
          AWS_ENDPOINT_URL_DYNAMODB: runtime.endpoints.dynamodb,
          AWS_REGION: runtime.region,
          AWS_ACCESS_KEY_ID: runtime.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: runtime.credentials.secretAccessKey,
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

interface KeyJson {
  key?: string;
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  revokedAt?: string;
}

/** An authenticated request whose 404 proves the key was accepted. */
const probe = (key: string) => api("GET", `/v1/tasks/${randomUUID()}`, { key });

describe("the key command", () => {
  it("creates a key that works at once, lists it, and revokes it so it stops at once", async () => {
    const name = `ci-${randomUUID().slice(0, 8)}`;
    const created = await keys("create", "--name", name, "--json");
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as KeyJson;
    expect(key).toMatchObject({ name, scopes: [...apiScopes], table: runtime.apiKeyTableName });
    expect((await probe(key.key!)).status).toBe(404);

    const listed = JSON.parse((await keys("list", "--json")).stdout) as KeyJson[];
    const entry = listed.find((item) => item.id === key.id);
    expect(entry).toEqual({
      id: key.id,
      name,
      scopes: [...apiScopes],
      namespace: "default",
      createdAt: key.createdAt,
    });
    expect(JSON.stringify(listed)).not.toContain(key.key!);

    const revoked = await keys("revoke", "--id", key.id.slice(0, 8));
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`Revoked API key "${name}" (id ${key.id.slice(0, 12)})`);
    await eventually(
      () => probe(key.key!),
      (response) => response.status === 401,
    );
    const after = JSON.parse((await keys("list", "--json")).stdout) as KeyJson[];
    expect(after.find((item) => item.id === key.id)?.revokedAt).toBeDefined();
  });

  it("prints a new key once, with its scopes, for a human", async () => {
    const created = await keys("create", "--name", "reader", "--scopes", "read");
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(
      /Created API key "reader" \(id [0-9a-f]{12}, namespace default, scopes read\)/,
    );
    const key = /^\s+(ct_\S+)$/m.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    expect((await probe(key!)).status).toBe(404);
    expect((await api("POST", "/v1/tasks", { key: key!, body: { type: "echo" } })).status).toBe(403);
  });

  it("creates a key in a namespace (--namespace --json): its tasks live there, out of other keys' sight", async () => {
    const namespace = `cli-${randomUUID().slice(0, 8)}`;
    const created = await keys(
      "create",
      "--name",
      "team key",
      "--namespace",
      namespace,
      "--scopes",
      "submit,read",
      "--json",
    );
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as KeyJson & { namespace: string };
    expect(key).toMatchObject({ name: "team key", namespace, scopes: ["submit", "read"] });
    expect(key.key).toMatch(/^ct_/);
    const whoami = await api<{ namespace: string }>("GET", "/v1/whoami", { key: key.key! });
    expect(whoami.body.namespace).toBe(namespace);
    const task = await api<{ id: string; namespace: string }>("POST", "/v1/tasks", {
      key: key.key!,
      body: { type: "echo", input: { value: 1 }, delaySeconds: 600 },
    });
    expect(task.body.namespace).toBe(namespace);
    // The runtime's admin key (default namespace) sees it only by naming the namespace.
    expect((await api("GET", `/v1/tasks/${task.body.id}`)).status).toBe(404);
    expect((await api("GET", `/v1/tasks/${task.body.id}?namespace=${namespace}`)).status).toBe(200);
    const listed = JSON.parse((await keys("list", "--json")).stdout) as (KeyJson & { namespace: string })[];
    expect(listed.find((item) => item.id === key.id)?.namespace).toBe(namespace);
    await api("POST", `/v1/tasks/${task.body.id}/cancel?namespace=${namespace}`);
  });

  it("refuses to revoke by a name two active keys share, and revokes neither", async () => {
    const name = `twin-${randomUUID().slice(0, 8)}`;
    const first = JSON.parse((await keys("create", "--name", name, "--json")).stdout) as KeyJson;
    const second = JSON.parse((await keys("create", "--name", name, "--json")).stdout) as KeyJson;
    const refused = await keys("revoke", "--name", name);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`2 active keys have name "${name}"`);
    for (const candidate of [first, second]) expect(refused.stderr).toContain(candidate.id.slice(0, 12));
    expect((await probe(first.key!)).status).toBe(404);
    expect((await probe(second.key!)).status).toBe(404);
  });

  it.each([
    [["create"], /create needs --name/],
    [
      ["create", "--name", "x", "--scopes", "write"],
      /scopes must be a comma-separated list of submit, read, admin/,
    ],
    [["rotate"], /unknown command rotate/],
    [["list", "--stage", "dev"], /give one of --stage, --table, --local/],
    [["create", "--name", "x", "--namespace", "Bad/Name"], /--namespace takes 1-32 lower-case letters/],
  ])("answers %j with usage and exit code 2", async (args, message) => {
    const run = await keys(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain("Usage: npm run keys");
  });
});
