/**
 * The monitor's Content-Security-Policy: its one inline script and one inline
 * style are allowed by their SHA-256 hashes, data may be fetched from its own
 * origin only (the API), and nothing else loads: no external scripts, no
 * frames, no form posts, no plug-ins.
 */
import { createHash } from "node:crypto";

function inlineBlocks(html: string, tag: "script" | "style"): string[] {
  return [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))].map((found) => found[1]!);
}

const hashSource = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

export function contentSecurityPolicyFor(html: string): string {
  const scripts = inlineBlocks(html, "script").map(hashSource);
  const styles = inlineBlocks(html, "style").map(hashSource);
  if (scripts.length === 0) throw new Error("the monitor page has no inline script");
  return [
    "default-src 'none'",
    `script-src ${scripts.join(" ")}`,
    `style-src ${styles.length > 0 ? styles.join(" ") : "'none'"}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}
