/**
 * IAM policy evaluation for the local runtime: the identity policies of each
 * role in the synthesized template (inline policies, AWS::IAM::Policy and
 * customer managed policies attached to it), resolved to the ARNs the local
 * resources have, and the decision AWS makes for one action on one resource:
 * an explicit Deny wins, else an Allow grants, else the request is denied
 * implicitly.
 *
 * Covered: Action / NotAction and Resource / NotResource with `*` and `?`
 * wildcards (actions case-insensitive, resources case-sensitive), and the
 * String and Arn condition operators on the context keys the requests carry
 * (the template uses `iam:PassedToService`). A condition key the request does
 * not carry makes its statement not apply, as in AWS. AWS managed policies
 * (AWSLambdaBasicExecutionRole: CloudWatch Logs only) are not evaluated: the
 * local runtime makes no calls they would grant. Resource-based policies
 * (bucket, queue, topic policies) are not evaluated either: within one
 * account, an identity policy's Allow is enough, and the template's resource
 * policies only deny requests without TLS, which loopback calls are.
 */
import { type ResolveContext, resolveValue, resourcesOfType, type Template } from "./template.ts";

export interface PolicyStatement {
  readonly Effect: "Allow" | "Deny";
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** One request to authorize: `service:Action` on one resource ARN, with the condition keys it carries. */
export interface AuthorizationRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
}

export type Decision = "allowed" | "implicit-deny" | "explicit-deny";

const asList = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === "string" ? [value] : value;

const patterns = new Map<string, RegExp>();

/** IAM's wildcard match: `*` any run of characters, `?` any one. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (!pattern.includes("*") && !pattern.includes("?"))
    return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  const key = `${ignoreCase ? "i" : "s"}${pattern}`;
  let regex = patterns.get(key);
  if (!regex) {
    const body = pattern
      .split("")
      .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\/]/g, "\\$&")))
      .join("");
    regex = new RegExp(`^${body}$`, ignoreCase ? "is" : "s");
    patterns.set(key, regex);
  }
  return regex.test(value);
}

function conditionHolds(
  operator: string,
  values: Readonly<Record<string, string | readonly string[]>>,
  context: Readonly<Record<string, string>>,
): boolean {
  const ifExists = operator.endsWith("IfExists");
  const base = ifExists ? operator.slice(0, -"IfExists".length) : operator;
  return Object.entries(values).every(([key, expected]) => {
    const actual = Object.entries(context).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
    if (actual === undefined) return ifExists;
    const candidates = asList(expected);
    switch (base) {
      case "StringEquals":
      case "ArnEquals":
        return candidates.includes(actual);
      case "StringNotEquals":
      case "ArnNotEquals":
        return !candidates.includes(actual);
      case "StringEqualsIgnoreCase":
        return candidates.some((candidate) => candidate.toLowerCase() === actual.toLowerCase());
      case "StringLike":
      case "ArnLike":
        return candidates.some((candidate) => wildcardMatch(candidate, actual));
      case "StringNotLike":
      case "ArnNotLike":
        return !candidates.some((candidate) => wildcardMatch(candidate, actual));
      default:
        // An operator the local check does not know: the statement does not apply (fails closed for Allow).
        return false;
    }
  });
}

function statementApplies(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  const actionMatches = (list: readonly string[]) =>
    list.some((pattern) => wildcardMatch(pattern, request.action, true));
  const resourceMatches = (list: readonly string[]) =>
    list.some((pattern) => wildcardMatch(pattern, request.resource));
  if (statement.Action !== undefined && !actionMatches(asList(statement.Action))) return false;
  if (statement.NotAction !== undefined && actionMatches(asList(statement.NotAction))) return false;
  if (statement.Resource !== undefined && !resourceMatches(asList(statement.Resource))) return false;
  if (statement.NotResource !== undefined && resourceMatches(asList(statement.NotResource))) return false;
  const context = request.context ?? {};
  return Object.entries(statement.Condition ?? {}).every(([operator, values]) =>
    conditionHolds(operator, values, context),
  );
}

/** AWS's decision for `request` under `statements` (one role's identity policies). */
export function evaluate(statements: readonly PolicyStatement[], request: AuthorizationRequest): Decision {
  let allowed = false;
  for (const statement of statements) {
    if (!statementApplies(statement, request)) continue;
    if (statement.Effect === "Deny") return "explicit-deny";
    allowed = true;
  }
  return allowed ? "allowed" : "implicit-deny";
}

/** A role of the template: its resolved ARN and name, and its statements. */
export interface LocalRole {
  readonly logicalId: string;
  readonly arn: string;
  readonly name: string;
  readonly statements: readonly PolicyStatement[];
}

function roleIdsOf(roles: unknown): string[] {
  if (!Array.isArray(roles)) return [];
  return roles
    .map((role) => (role as { Ref?: unknown }).Ref)
    .filter((id): id is string => typeof id === "string");
}

/**
 * Every role of the template with its identity statements, resolved against
 * the local resources. A statement that names a resource the local runtime
 * does not provide throws: a policy the check cannot read must not pass.
 */
export function templateRoles(template: Template, context: ResolveContext): Map<string, LocalRole> {
  const statements = new Map<string, PolicyStatement[]>();
  const add = (roleId: string, document: unknown) => {
    const resolved = resolveValue(document, context) as { Statement?: PolicyStatement | PolicyStatement[] };
    const list = statements.get(roleId) ?? [];
    const found = resolved.Statement;
    list.push(...(found === undefined ? [] : Array.isArray(found) ? found : [found]));
    statements.set(roleId, list);
  };
  for (const [logicalId, resource] of resourcesOfType(template, "AWS::IAM::Role")) {
    statements.set(logicalId, statements.get(logicalId) ?? []);
    for (const policy of (resource.Properties?.Policies ?? []) as { PolicyDocument: unknown }[])
      add(logicalId, policy.PolicyDocument);
  }
  for (const type of ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"]) {
    for (const [, resource] of resourcesOfType(template, type)) {
      for (const roleId of roleIdsOf(resource.Properties?.Roles))
        add(roleId, resource.Properties?.PolicyDocument);
    }
  }
  const roles = new Map<string, LocalRole>();
  for (const [logicalId, list] of statements) {
    const resolved = context.resources.get(logicalId);
    if (!resolved) throw new Error(`the local runtime has no name for role ${logicalId}`);
    roles.set(logicalId, {
      logicalId,
      arn: resolved.attributes.Arn!,
      name: resolved.ref,
      statements: list,
    });
  }
  return roles;
}
