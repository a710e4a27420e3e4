/**
 * Routes that manage API keys (admin scope): create (the key is shown once),
 * list (no secrets), revoke; and `whoami`, which any key may ask about itself.
 */
import type * as z from "zod";
import { logAudit } from "../adapters/logger.ts";
import { notFound } from "../core/api-error.ts";
import { createApiKey, shortIdOf, submitterOf } from "../core/api-keys.ts";
import { scopesOf } from "../core/authenticate.ts";
import { namespaceOfKey } from "../core/namespaces.ts";
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
  namespace: namespaceOfKey(record),
  createdAt: record.createdAt,
  ...(record.revokedAt ? { revokedAt: record.revokedAt } : {}),
});

export function keyRoutes(deps: ApiDeps): RouteHandlers {
  return {
    "POST /v1/keys": async ({ event, caller }) => {
      const {
        name,
        scopes: granted,
        ratePerSecond,
        namespace,
      } = parseOrThrow(newKeyBody, readJsonBody(event));
      const { key, record } = await createApiKey(deps.apiKeys, {
        name,
        scopes: granted,
        ratePerSecond,
        namespace,
        now: deps.now(),
      });
      logAudit("key.created", submitterOf(caller), {
        keyId: shortIdOf(record),
        name,
        namespace,
        scopes: record.scopes,
      });
      return json(201, { ...view(record), key });
    },

    "GET /v1/whoami": async ({ caller }) => json(200, view(caller)),

    "GET /v1/keys": async () => json(200, { items: (await deps.apiKeys.list()).map(view), nextCursor: null }),

    "DELETE /v1/keys/{id}": async ({ event, caller }) => {
      const id = pathParameter(event, "id");
      if (!/^[0-9a-f]{64}$/.test(id) || !(await deps.apiKeys.revoke(id, deps.now().toISOString()))) {
        throw notFound(`API key ${id}`);
      }
      const revoked = (await deps.apiKeys.findByHash(id))!;
      logAudit("key.revoked", submitterOf(caller), { keyId: shortIdOf(revoked), name: revoked.name });
      return json(200, view(revoked));
    },
  };
}
