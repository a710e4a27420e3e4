/**
 * Webhook URLs as task views and errors show them: receivers often put a
 * token in the query string or the user info, and every `read` key sees task
 * records, so both are replaced by a marker. The full URL stays in the record
 * for delivery.
 */

/** The marker that stands for a removed query string or user info. */
export const redactionMarker = "redacted";

/** `url` without its credentials and query string (each replaced by the marker); a non-URL is hidden whole. */
export function redactedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `[${redactionMarker}]`;
  }
  const userInfo = parsed.username || parsed.password ? `${redactionMarker}@` : "";
  const query = parsed.search ? `?${redactionMarker}` : "";
  // The fragment never leaves the client, but it can hold a token just the same.
  const fragment = parsed.hash ? `#${redactionMarker}` : "";
  return `${parsed.protocol}//${userInfo}${parsed.host}${parsed.pathname}${query}${fragment}`;
}
