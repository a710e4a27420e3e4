/**
 * IAM, enforced on the local runtime's loopback path: one HTTP endpoint that
 * every function (and every event-source poller and schedule, under the
 * role they assume) reaches AWS through. It tells the caller's role by the
 * access key in the request's SigV4 `Authorization` header (the runtime
 * issues one key per function and per assumed role, as STS would issue
 * session credentials), the service by the signature's scope, maps the
 * request to the actions and resources AWS authorizes (iam-requests.ts),
 * evaluates the role's policies from the template (iam-policy.ts) and either
 * forwards the request unchanged to the service's upstream (the emulator, or
 * a fault or delay proxy in front of it) or answers as AWS denies:
 * `AccessDeniedException` (JSON and REST services), `AccessDenied` (SQS, S3),
 * `AuthorizationError` (SNS), with the principal, action and resource in the
 * message.
 *
 * Requests signed with the runtime's own key (provisioning, tests reaching
 * inside) pass unchecked. Decisions are cached per (key, action, resource),
 * so a warm path costs one map lookup per check plus the loopback hop.
 */
import { randomBytes } from "node:crypto";
import { Agent, createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { type AuthorizationRequest, type Decision, evaluate, type LocalRole } from "./iam-policy.ts";
import { authorizationOf, type ResourceArns } from "./iam-requests.ts";
import { listen } from "./listening-server.ts";
import { forwardRequest, readRequestBody } from "./request-forwarding.ts";

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Who signed a request: a role's session. */
interface Principal {
  readonly role: LocalRole;
  readonly session: string;
}

export interface IamProxyOptions {
  /** Keys that pass unchecked (the runtime's own). */
  readonly trustedKeys: readonly string[];
  readonly accountId: string;
  /** Told about every denial (the runtime prints it with the function logs). */
  readonly log: (message: string) => void;
}

export interface IamProxy {
  readonly url: string;
  /** Where requests for a service (its SigV4 signing name) go once allowed. */
  setUpstream(service: string, url: string): void;
  /** Resource ARNs as the runtime provisioned them; set before any role's key is used. */
  setResourceArns(arns: ResourceArns): void;
  /** Credentials of a session of `role`, as STS AssumeRole would hand out. */
  issue(role: LocalRole, session: string): IssuedCredentials;
  /** Denials so far (tests and the runtime's summary read it). */
  readonly denials: number;
  stop(): Promise<void>;
}

/** The key and the signing name of a SigV4 request (header or presigned query). */
function signatureScope(request: IncomingMessage): { accessKeyId: string; service: string } | undefined {
  const header = request.headers.authorization;
  const credential =
    typeof header === "string"
      ? /Credential=([^,\s]+)/.exec(header)?.[1]
      : (new URL(request.url ?? "/", "http://local").searchParams.get("X-Amz-Credential") ?? undefined);
  if (!credential) return undefined;
  const [accessKeyId, , , service] = credential.split("/");
  return accessKeyId && service ? { accessKeyId, service } : undefined;
}

function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Answers as the service itself answers a denied request. */
function deny(request: IncomingMessage, response: ServerResponse, service: string, message: string): void {
  const target = request.headers["x-amz-target"];
  const contentType = String(request.headers["content-type"] ?? "");
  if (service === "s3") {
    response.writeHead(403, { "content-type": "application/xml" });
    response.end(
      request.method === "HEAD"
        ? undefined
        : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${escapeXml(message)}</Message></Error>`,
    );
    return;
  }
  if (target) {
    // JSON protocols. SQS is query-compatible: the SDK takes its error code from x-amzn-query-error.
    const headers: Record<string, string> = {
      "content-type": "application/x-amz-json-1.0",
      "x-amzn-errortype": "AccessDeniedException",
    };
    if (service === "sqs") headers["x-amzn-query-error"] = "AccessDenied;Sender";
    response.writeHead(400, headers);
    response.end(JSON.stringify({ __type: "com.amazon.coral.service#AccessDeniedException", message }));
    return;
  }
  if (contentType.startsWith("application/x-www-form-urlencoded")) {
    const code = service === "sns" ? "AuthorizationError" : "AccessDenied";
    response.writeHead(403, { "content-type": "text/xml" });
    response.end(
      `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>local</RequestId></ErrorResponse>`,
    );
    return;
  }
  response.writeHead(403, {
    "content-type": "application/json",
    "x-amzn-errortype": "AccessDeniedException",
  });
  response.end(JSON.stringify({ message, Message: message }));
}

/** Bound on the decision cache: S3 object keys are unbounded; tables, queues and mappings are few. */
const maxCachedDecisions = 50_000;

export async function startIamProxy(options: IamProxyOptions): Promise<IamProxy> {
  const upstreams = new Map<string, URL>();
  const trusted = new Set(options.trustedKeys);
  const principals = new Map<string, Principal>();
  const decisions = new Map<string, Decision>();
  let arns: ResourceArns | undefined;
  let denials = 0;
  const agents = { http: new Agent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

  const decide = (key: string, principal: Principal, check: AuthorizationRequest): Decision => {
    const cacheKey = `${key}\n${check.action}\n${check.resource}\n${JSON.stringify(check.context ?? {})}`;
    let decision = decisions.get(cacheKey);
    if (decision === undefined) {
      decision = evaluate(principal.role.statements, check);
      if (decisions.size >= maxCachedDecisions) decisions.clear();
      decisions.set(cacheKey, decision);
    }
    return decision;
  };

  const forward = (request: IncomingMessage, response: ServerResponse, upstream: URL, body: Buffer) =>
    forwardRequest(request, response, upstream, body, agents);

  const server = createServer(async (request, response) => {
    try {
      const body = await readRequestBody(request);
      const scope = signatureScope(request);
      const upstream = scope ? upstreams.get(scope.service) : undefined;
      if (!scope || !upstream) {
        response.writeHead(502, { "content-type": "text/plain" });
        response.end(
          scope
            ? `the local runtime has no endpoint for service ${scope.service}`
            : "unsigned request: the local IAM check needs a SigV4 Authorization header",
        );
        return;
      }
      if (trusted.has(scope.accessKeyId)) return forward(request, response, upstream, body);
      const principal = principals.get(scope.accessKeyId);
      const who = principal
        ? `arn:aws:sts::${options.accountId}:assumed-role/${principal.role.name}/${principal.session}`
        : `access key ${scope.accessKeyId}`;
      if (!principal || !arns) {
        denials++;
        options.log(`IAM: denied ${who}: unknown access key`);
        return deny(
          request,
          response,
          scope.service,
          `The security token included in the request is invalid (${who})`,
        );
      }
      const mapped = authorizationOf(
        {
          service: scope.service,
          method: request.method ?? "GET",
          url: request.url ?? "/",
          target: request.headers["x-amz-target"] as string | undefined,
          contentType: String(request.headers["content-type"] ?? ""),
          body,
        },
        arns,
      );
      if (!mapped.ok) {
        denials++;
        const message = `User: ${who} made ${mapped.reason}, which the local IAM check cannot map to actions (local/iam-requests.ts); denied`;
        options.log(`IAM: ${message}`);
        return deny(request, response, scope.service, message);
      }
      for (const check of mapped.checks) {
        const decision = decide(scope.accessKeyId, principal, check);
        if (decision === "allowed") continue;
        denials++;
        const why =
          decision === "explicit-deny"
            ? "with an explicit deny in an identity-based policy"
            : `because no identity-based policy allows the ${check.action} action`;
        const message = `User: ${who} is not authorized to perform: ${check.action} on resource: ${check.resource} ${why}`;
        options.log(`IAM: ${mapped.operation} denied. ${message}`);
        return deny(request, response, scope.service, message);
      }
      forward(request, response, upstream, body);
    } catch (error) {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    }
  });
  const listening = await listen(server);
  return {
    url: listening.url,
    setUpstream(service, url) {
      upstreams.set(service, new URL(url));
    },
    setResourceArns(value) {
      arns = value;
    },
    issue(role, session) {
      const accessKeyId = `ASIA${randomBytes(8).toString("hex").toUpperCase()}`;
      principals.set(accessKeyId, { role, session });
      return { accessKeyId, secretAccessKey: randomBytes(30).toString("base64url") };
    },
    get denials() {
      return denials;
    },
    async stop() {
      agents.http.destroy();
      agents.https.destroy();
      await listening.stop();
    },
  };
}
