/**
 * Reading the synthesized CloudFormation template: its resources by type, and
 * the intrinsic functions the local runtime needs to resolve (Ref, GetAtt,
 * Join, Sub, Select). Anything else is reported, not guessed.
 */

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
}

export interface Template {
  readonly Resources: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown }>;
}

/** What a provisioned resource answers to `Ref` and `Fn::GetAtt`. */
export interface ResolvedResource {
  readonly ref: string;
  readonly attributes: Record<string, string>;
}

export interface ResolveContext {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  readonly resources: ReadonlyMap<string, ResolvedResource>;
}

export function resourcesOfType(template: Template, type: string): [string, TemplateResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

export function resourceProperties(template: Template, logicalId: string): Record<string, unknown> {
  const resource = template.Resources[logicalId];
  if (!resource) throw new Error(`template has no resource ${logicalId}`);
  return resource.Properties ?? {};
}

function pseudoParameter(name: string, context: ResolveContext): string | undefined {
  switch (name) {
    case "AWS::Region":
      return context.region;
    case "AWS::AccountId":
      return context.accountId;
    case "AWS::Partition":
      return "aws";
    case "AWS::URLSuffix":
      return "amazonaws.com";
    case "AWS::StackName":
      return context.stackName;
    default:
      return undefined;
  }
}

function lookup(logicalId: string, context: ResolveContext): ResolvedResource {
  const resource = context.resources.get(logicalId);
  if (!resource) {
    throw new Error(`the local runtime does not provide resource ${logicalId}, which the template refers to`);
  }
  return resource;
}

/** Resolves intrinsic functions in `value` to plain values. */
export function resolveValue(value: unknown, context: ResolveContext): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, context));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [[key, argument]] = entries as [[string, unknown]];
    switch (key) {
      case "Ref": {
        const name = argument as string;
        return pseudoParameter(name, context) ?? lookup(name, context).ref;
      }
      case "Fn::GetAtt": {
        const [logicalId, attribute] = (typeof argument === "string" ? argument.split(".") : argument) as [
          string,
          string,
        ];
        const found = lookup(logicalId, context).attributes[attribute];
        if (found === undefined)
          throw new Error(`the local runtime does not provide ${logicalId}.${attribute}`);
        return found;
      }
      case "Fn::Join": {
        const [separator, parts] = argument as [string, unknown[]];
        return (resolveValue(parts, context) as unknown[]).join(separator);
      }
      case "Fn::Select": {
        const [index, list] = argument as [number, unknown];
        return (resolveValue(list, context) as unknown[])[Number(index)];
      }
      case "Fn::Sub": {
        const [text, variables] = (typeof argument === "string" ? [argument, {}] : argument) as [
          string,
          Record<string, unknown>,
        ];
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (name in variables) return String(resolveValue(variables[name], context));
          const [logicalId, attribute] = name.split(".") as [string, string | undefined];
          const pseudo = pseudoParameter(name, context);
          if (pseudo !== undefined) return pseudo;
          return attribute === undefined
            ? lookup(logicalId, context).ref
            : String(resolveValue({ "Fn::GetAtt": [logicalId, attribute] }, context));
        });
      }
      default:
        if (key.startsWith("Fn::")) throw new Error(`the local runtime cannot resolve ${key}`);
    }
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolveValue(item, context)]));
}
