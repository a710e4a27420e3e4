/**
 * Run in a fresh process with a function's environment: imports the
 * function's bundle once and prints how long the import (module
 * initialisation: parsing, top-level code, SDK clients, config reads) took.
 * Usage: node bench/measure-init.ts <module path> <handler export>
 */
import { pathToFileURL } from "node:url";

const [modulePath, handlerName] = process.argv.slice(2);
if (!modulePath || !handlerName) throw new Error("usage: measure-init.ts <module path> <handler export>");
const started = performance.now();
const loaded = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
const initMs = performance.now() - started;
if (typeof loaded[handlerName] !== "function")
  throw new Error(`${modulePath} does not export ${handlerName}`);
process.stdout.write(JSON.stringify({ initMs }));
