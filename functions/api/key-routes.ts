/**
 * Routes that manage API keys (admin scope): create (the key is shown once),
 * list (no secrets), revoke; and `whoami`, which any key may ask about itself.
 */
import type * as z from "zod";
import { notFound } from "../core/api-error.ts";
import { createApiKey } from "../core/api-keys.ts";
import { scopesOf } from "../core/authenticate.ts";
import type { ApiKeyRecord } from "../core/ports.ts";
import { parseOrThrow } from "../core/validation.ts";
import type { ApiDeps } from "./dependencies.ts";
import { json, pathParameter, type RouteHandlers, readJsonBody } from "./http.ts";
import { type apiKeySchema, newKeyBody } from "./schemas.ts";

const view = (record: ApiKeyRecord): z.output<typeof apiKeySchema> => ({
  id: record.keyHash,
  name: record.name,
  scopes: [...scopesOf(record)],
  ...(record.ratePerSecond ? { ratePerSecond: record.ratePerSecond } : {}),
  createdAt: record.createdAt,
  ...(record.revokedAt ? { revokedAt: record.revokedAt } : {}),
});

export function keyRoutes(deps: ApiDeps): RouteHandlers {
  return {
    "POST /v1/keys": async ({ event }) => {
      const { name, scopes: granted, ratePerSecond } = parseOrThrow(newKeyBody, readJsonBody(event));
      const { key, record } = await createApiKey(deps.apiKeys, {
        name,
        scopes: granted,
        ratePerSecond,
        now: deps.now(),
      });
      return json(201, { ...view(record), key });
    },

    "GET /v1/whoami": async ({ caller }) => json(200, view(caller)),

    "GET /v1/keys": async () => json(200, { items: (await deps.apiKeys.list()).map(view), nextCursor: null }),

    "DELETE /v1/keys/{id}": async ({ event }) => {
      const id = pathParameter(event, "id");
      if (!/^[0-9a-f]{64}$/.test(id) || !(await deps.apiKeys.revoke(id, deps.now().toISOString()))) {
        throw notFound(`API key ${id}`);
      }
      return json(200, view((await deps.apiKeys.findByHash(id))!));
    },
  };
}
