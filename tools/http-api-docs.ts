/**
 * `npm run docs:api`: writes docs/http-api.md from the OpenAPI document the
 * API serves (functions/api/openapi.ts), so the reference cannot drift from
 * the route table and its schemas. test/unit/doc-links.test.ts fails when
 * the file in the repository differs from what this generates.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { openApiDocument } from "../functions/api/openapi.ts";

type Schema = {
  readonly $ref?: string;
  readonly type?: string | string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly format?: string;
  readonly pattern?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly maxItems?: number;
  readonly items?: Schema;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: Schema | boolean;
  readonly oneOf?: readonly Schema[];
  readonly anyOf?: readonly Schema[];
  readonly allOf?: readonly Schema[];
};

interface Operation {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly security?: readonly unknown[];
  readonly parameters?: readonly {
    name: string;
    in: string;
    required: boolean;
    description?: string;
    schema: Schema;
  }[];
  readonly requestBody?: { content: { "application/json": { schema: Schema } } };
  readonly responses: Readonly<
    Record<string, { description: string; content?: { "application/json": { schema: Schema } } }>
  >;
}

export const httpApiDocPath = path.join(import.meta.dirname, "..", "docs", "http-api.md");

const refName = (ref: string) => ref.replace("#/components/schemas/", "");
const anchorOf = (name: string) => `schema-${name.toLowerCase()}`;
const code = (text: string) => `\`${text.replaceAll("|", "\\|")}\``;
const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

/** A field's type in one line: `string`, `"high" \| "low"`, `Task[]`, a link for a named schema. */
function typeOf(schema: Schema): string {
  if (schema.$ref) return `[${refName(schema.$ref)}](#${anchorOf(refName(schema.$ref))})`;
  if (schema.const !== undefined) return code(JSON.stringify(schema.const));
  if (schema.enum) return schema.enum.map((value) => code(JSON.stringify(value))).join(" \\| ");
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants) return variants.map(typeOf).join(" \\| ");
  if (schema.type === "array") return schema.items ? `${typeOf(schema.items)}[]` : "array";
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) return "any JSON";
  return types
    .map((type) => (schema.format && type === "string" ? `${type} (${schema.format})` : type))
    .join(" \\| ");
}

/** Bounds and defaults in words; the date-time pattern is left out (its format says it). */
function constraintsOf(schema: Schema): string {
  const notes: string[] = [];
  if (schema.minimum !== undefined && schema.minimum > Number.MIN_SAFE_INTEGER)
    notes.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER)
    notes.push(`≤ ${schema.maximum}`);
  if (schema.minLength !== undefined && schema.minLength > 0)
    notes.push(`at least ${schema.minLength} characters`);
  if (schema.maxLength !== undefined) notes.push(`at most ${schema.maxLength} characters`);
  if (schema.maxItems !== undefined) notes.push(`at most ${schema.maxItems} items`);
  if (schema.pattern && !schema.format) notes.push(`matches ${code(schema.pattern)}`);
  if (schema.default !== undefined) notes.push(`default ${code(JSON.stringify(schema.default))}`);
  return notes.join(", ");
}

interface Field {
  readonly path: string;
  readonly schema: Schema;
  readonly required: boolean;
}

/** An object's fields, nested objects flattened into dotted paths (`input.sleepMs`). */
function fieldsOf(schema: Schema, prefix = ""): Field[] {
  const fields: Field[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const fieldPath = `${prefix}${name}`;
    fields.push({ path: fieldPath, schema: property, required: schema.required?.includes(name) ?? false });
    if (property.type === "object" && property.properties)
      fields.push(...fieldsOf(property, `${fieldPath}.`));
    if (property.type === "array" && property.items?.type === "object" && property.items.properties) {
      fields.push(...fieldsOf(property.items, `${fieldPath}[].`));
    }
  }
  return fields;
}

function fieldTable(fields: readonly Field[]): string[] {
  if (fields.length === 0) return ["No fields."];
  return [
    "| Field | Type | Required | Notes |",
    "|---|---|---|---|",
    ...fields.map(
      (field) =>
        `| ${code(field.path)} | ${typeOf(field.schema)} | ${field.required ? "yes" : "no"} | ${cell(
          [field.schema.description, constraintsOf(field.schema)].filter(Boolean).join("; "),
        )} |`,
    ),
  ];
}

/** A schema as tables: one for an object; for a oneOf of objects, the shared fields once, then each variant's own. */
function schemaTables(schema: Schema): string[] {
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants?.every((variant) => variant.properties)) {
    const all = variants.map((variant) => fieldsOf(variant));
    const key = (field: Field) => JSON.stringify(field);
    const shared = all[0]!.filter((field) =>
      all.every((fields) => fields.some((other) => key(other) === key(field))),
    );
    const sharedKeys = new Set(shared.map(key));
    const lines = ["One of the variants below. Fields of every variant:", "", ...fieldTable(shared)];
    for (const fields of all) {
      const own = fields.filter((field) => !sharedKeys.has(key(field)));
      const discriminator = own.find((field) => field.schema.const !== undefined);
      lines.push(
        "",
        discriminator
          ? `With ${code(discriminator.path)} = ${code(JSON.stringify(discriminator.schema.const))}:`
          : "Variant:",
        "",
        ...fieldTable(own.filter((field) => field !== discriminator)),
      );
    }
    return lines;
  }
  if (schema.type === "object" || schema.properties) return fieldTable(fieldsOf(schema));
  return [`${typeOf(schema)}${schema.description ? `: ${schema.description}` : ""}`];
}

const operationAnchor = (method: string, route: string) =>
  `${method}-${route}`
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .replace(/ /g, "-");

/** The Markdown of docs/http-api.md. */
export function httpApiMarkdown(): string {
  const document = openApiDocument() as unknown as {
    info: { description: string };
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, Schema> };
  };
  const operations = Object.entries(document.paths).flatMap(([route, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      route,
      method: method.toUpperCase(),
      operation,
    })),
  );
  const scopeOf = (operation: Operation) =>
    operation.security?.length === 0
      ? "none"
      : (/`(\w+)` scope/.exec(operation.description ?? "")?.[1] ?? "");
  const lines: string[] = [
    "# HTTP API",
    "",
    "<!-- Generated by `npm run docs:api` from the OpenAPI document (functions/api/openapi.ts). Do not edit by hand. -->",
    "",
    document.info.description,
    "",
    "The API serves this same reference as an OpenAPI 3.1 document at `GET /v1/openapi.json`",
    "(`read` scope); generate a client from it in any language, or use the",
    "[TypeScript client or the CLI](clients-and-cli.md). Task states and what each option does:",
    "[task lifecycle](task-lifecycle.md); each task type's input: [task types](task-types.md).",
    "",
    "## Routes",
    "",
    "| Method | Path | Scope | Summary |",
    "|---|---|---|---|",
    ...operations.map(
      ({ route, method, operation }) =>
        `| ${method} | [${code(route)}](#${operationAnchor(method, route)}) | ${scopeOf(operation)} | ${cell(operation.summary)} |`,
    ),
  ];
  for (const { route, method, operation } of operations) {
    lines.push("", `## ${method} ${route}`, "", operation.summary, "", `Scope: ${scopeOf(operation)}.`);
    if (operation.parameters?.length) {
      lines.push(
        "",
        "| Parameter | In | Type | Required | Notes |",
        "|---|---|---|---|---|",
        ...operation.parameters.map(
          (parameter) =>
            `| ${code(parameter.name)} | ${parameter.in} | ${typeOf(parameter.schema)} | ${parameter.required ? "yes" : "no"} | ${cell(
              [parameter.description, constraintsOf(parameter.schema)].filter(Boolean).join("; "),
            )} |`,
        ),
      );
    }
    const body = operation.requestBody?.content["application/json"].schema;
    if (body) {
      const name = body.$ref ? refName(body.$ref) : undefined;
      lines.push("", `Body: ${name ? `[${name}](#${anchorOf(name)})` : typeOf(body)}.`);
    }
    lines.push("", "| Status | Answer |", "|---|---|");
    for (const [status, response] of Object.entries(operation.responses)) {
      const schema = response.content?.["application/json"].schema;
      lines.push(`| ${status} | ${cell(response.description)}${schema ? ` ${typeOf(schema)}` : ""} |`);
    }
  }
  lines.push("", "## Schemas");
  for (const [name, schema] of Object.entries(document.components.schemas).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    lines.push("", `<a id="${anchorOf(name)}"></a>`, "", `### ${name}`, "", ...schemaTables(schema));
  }
  return `${lines.join("\n")}\n`;
}

if (import.meta.main) {
  writeFileSync(httpApiDocPath, httpApiMarkdown());
  console.log(`wrote ${path.relative(process.cwd(), httpApiDocPath)}`);
}
