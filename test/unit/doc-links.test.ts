/**
 * Documentation links: every relative link and anchor in README.md,
 * docs/*.md and the client's README resolves, to a file of the repository and, after `#`, to a
 * heading (GitHub's anchor rules) or an explicit `<a id>` of that file.
 * docs/http-api.md must be what `npm run docs:api` generates.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../local/synthesize.ts";
import { httpApiDocPath, httpApiMarkdown } from "../../tools/http-api-docs.ts";

const documents = [
  "README.md",
  path.join("clients", "typescript", "README.md"),
  ...readdirSync(path.join(projectRoot, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => path.join("docs", name)),
];

/** The text outside fenced code blocks and inline code, where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, "");
  for (const [, heading] of withoutCode.matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const slug = heading!
      .replace(/`/g, "")
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const [, id] of markdown.matchAll(/<a id="([^"]+)"><\/a>/g)) anchors.add(id!);
  return anchors;
}

function linksOf(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?: "[^"]*")?\)/g)].map((match) => match[1]!);
}

describe("documentation links", () => {
  it("finds the documents and their links", () => {
    // The README links every document, so a parser that finds no links would pass nothing.
    expect(documents).toContain(path.join("docs", "troubleshooting.md"));
    expect(linksOf(readFileSync(path.join(projectRoot, "README.md"), "utf8")).length).toBeGreaterThan(20);
  });

  it.each(documents)("%s: every relative link and anchor resolves", (document) => {
    const markdown = readFileSync(path.join(projectRoot, document), "utf8");
    const broken: string[] = [];
    for (const link of linksOf(markdown)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto: and the like
      const [target = "", anchor] = link.split("#", 2);
      const file =
        target === ""
          ? path.join(projectRoot, document)
          : path.resolve(projectRoot, path.dirname(document), target);
      if (!file.startsWith(projectRoot) || !existsSync(file)) {
        broken.push(`${link}: no such file`);
        continue;
      }
      if (
        anchor !== undefined &&
        file.endsWith(".md") &&
        !anchorsOf(readFileSync(file, "utf8")).has(anchor)
      ) {
        broken.push(`${link}: no such heading in ${path.relative(projectRoot, file)}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("README.md fits on a screen or so (at most 250 lines)", () => {
    const lines = readFileSync(path.join(projectRoot, "README.md"), "utf8").split("\n").length;
    expect(lines).toBeLessThanOrEqual(250);
  });

  it("docs/http-api.md is generated from the OpenAPI document (npm run docs:api)", () => {
    expect(readFileSync(httpApiDocPath, "utf8")).toBe(httpApiMarkdown());
  });
});
