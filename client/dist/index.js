// client/errors.ts
var ClawTasksError = class extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "ClawTasksError";
  }
};
var ClawTasksApiError = class extends ClawTasksError {
  status;
  code;
  details;
  constructor(status, code, message, details) {
    super(message);
    this.name = "ClawTasksApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
  /** For `validation_error`: each bad field's dotted path (`input.sleepMs`) and what is wrong with it. */
  get issues() {
    const issues = this.details?.issues;
    return Array.isArray(issues) ? issues : [];
  }
};
var ClawTasksConnectionError = class extends ClawTasksError {
  constructor(url, cause) {
    super(`no answer from ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "ClawTasksConnectionError";
  }
};
var ClawTasksTimeoutError = class extends ClawTasksError {
  /** The task as last read. */
  task;
  constructor(task, timeoutMs) {
    super(`task ${task.id} is still ${task.status} after ${timeoutMs} ms`);
    this.name = "ClawTasksTimeoutError";
    this.task = task;
  }
};
var codeOfStatus = {
  400: "validation_error",
  401: "unauthorized",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  429: "throttled",
  500: "internal_error",
  503: "service_unavailable",
};
function errorOfResponse(request, status, body) {
  const error = body?.error;
  if (error && typeof error.code === "string" && typeof error.message === "string") {
    return new ClawTasksApiError(status, error.code, error.message, error.details);
  }
  const message = body?.message;
  return new ClawTasksApiError(
    status,
    codeOfStatus[status] ?? "http_error",
    `${request}: ${typeof message === "string" ? message : `HTTP ${status}`}${status === 404 ? " (this API has no such route)" : ""}`,
  );
}

// client/client.ts
var terminal = ["succeeded", "failed", "cancelled", "expired"];
var isFinished = (task) => terminal.includes(task.status);
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}
var changeKey = (task) =>
  JSON.stringify([task.status, task.attempts, task.progress?.percent, task.progress?.message]);
var ClawTasksClient = class {
  #url;
  #apiKey;
  #fetch;
  constructor(options) {
    if (!options.url) throw new TypeError("ClawTasksClient: url is required");
    if (!options.apiKey) throw new TypeError("ClawTasksClient: apiKey is required");
    this.#url = options.url.replace(/\/+$/, "");
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }
  /** One API call; throws ClawTasksApiError for a non-2xx answer. */
  async request(method, path, options = {}) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== void 0) query.set(name, String(value));
    }
    const url = `${this.#url}${path}${query.size > 0 ? `?${query}` : ""}`;
    const headers = {
      authorization: `Bearer ${this.#apiKey}`,
      accept: "application/json",
      ...options.headers,
    };
    if (options.body !== void 0) headers["content-type"] = "application/json";
    let response;
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        ...(options.body === void 0 ? {} : { body: JSON.stringify(options.body) }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ClawTasksConnectionError(this.#url, error);
    }
    const text = await response.text();
    let body;
    try {
      body = text ? JSON.parse(text) : void 0;
    } catch {
      body = { message: text.slice(0, 200) };
    }
    if (!response.ok) throw errorOfResponse(`${method} ${path}`, response.status, body);
    return body;
  }
  /** Submits a task; the input is typed by the catalog's schema for `type`. */
  submit(type, ...[input, options = {}]) {
    const { idempotencyKey, ...submission } = options;
    return this.request("POST", "/v1/tasks", {
      body: { ...submission, type, ...(input === void 0 ? {} : { input }) },
      ...(idempotencyKey === void 0 ? {} : { headers: { "Idempotency-Key": idempotencyKey } }),
    });
  }
  get(id) {
    return this.request("GET", `/v1/tasks/${encodeURIComponent(id)}`);
  }
  /** Pages of tasks, newest first: `for await (const page of client.list({status: "failed"}))`. */
  async *list(filter = {}, signal) {
    let cursor = filter.cursor;
    do {
      const page = await this.request("GET", "/v1/tasks", {
        query: { status: filter.status, type: filter.type, tag: filter.tag, limit: filter.limit, cursor },
        signal,
      });
      yield page;
      cursor = page.nextCursor ?? void 0;
    } while (cursor);
  }
  /** Cancels a task: a waiting one ends `cancelled` at once; a running one gets its AbortSignal. */
  cancel(id) {
    return this.request("POST", `/v1/tasks/${encodeURIComponent(id)}/cancel`);
  }
  /** Queues a failed, cancelled or expired task again under its id. */
  retry(id) {
    return this.request("POST", `/v1/tasks/${encodeURIComponent(id)}/retry`);
  }
  /** Reads the task until it is finished and resolves with it, whatever its outcome. */
  async wait(id, options = {}) {
    const deadline = options.timeout === void 0 ? void 0 : Date.now() + options.timeout;
    let lastKey;
    for (;;) {
      const task = await this.request("GET", `/v1/tasks/${encodeURIComponent(id)}`, {
        signal: options.signal,
      });
      const key = changeKey(task);
      if (key !== lastKey) {
        lastKey = key;
        options.onProgress?.(task);
      }
      if (isFinished(task)) return task;
      const wait = options.interval ?? 500;
      if (deadline !== void 0 && Date.now() + wait > deadline) {
        throw new ClawTasksTimeoutError(task, options.timeout);
      }
      await sleep(wait, options.signal);
    }
  }
  stats() {
    return this.request("GET", "/v1/stats");
  }
  async queues() {
    return (await this.request("GET", "/v1/queues")).items;
  }
  /** Moves a lane's dead letters back to its queues. */
  redrive(lane) {
    return this.request("POST", `/v1/queues/${encodeURIComponent(lane)}/redrive`);
  }
  async rateLimits() {
    return (await this.request("GET", "/v1/rate-limits")).items;
  }
  /** Sets a type's global rate limit (null: unlimited), or with `undefined` goes back to the catalog's. */
  setRateLimit(type, perMinute) {
    const path = `/v1/rate-limits/${encodeURIComponent(type)}`;
    return perMinute === void 0
      ? this.request("DELETE", path)
      : this.request("PUT", path, { body: { perMinute } });
  }
  health() {
    return this.request("GET", "/v1/health");
  }
  /** The API's OpenAPI 3.1 document. */
  openApi() {
    return this.request("GET", "/v1/openapi.json");
  }
  /** Dynamic schedules. */
  schedules = {
    list: async (signal) => {
      const items = [];
      let cursor;
      do {
        const page = await this.request("GET", "/v1/schedules", { query: { limit: 100, cursor }, signal });
        items.push(...page.items);
        cursor = page.nextCursor ?? void 0;
      } while (cursor);
      return items;
    },
    get: (name) => this.request("GET", `/v1/schedules/${encodeURIComponent(name)}`),
    create: (definition) => this.request("POST", "/v1/schedules", { body: definition }),
    update: (name, change) =>
      this.request("PATCH", `/v1/schedules/${encodeURIComponent(name)}`, { body: change }),
    enable: (name) => this.schedules.update(name, { enabled: true }),
    disable: (name) => this.schedules.update(name, { enabled: false }),
    delete: async (name) => {
      await this.request("DELETE", `/v1/schedules/${encodeURIComponent(name)}`);
    },
  };
  /** Lane workers: pause, resume, resize. */
  workers = {
    list: async () => (await this.request("GET", "/v1/workers")).items,
    update: (lane, change) =>
      this.request("PATCH", `/v1/workers/${encodeURIComponent(lane)}`, { body: change }),
    pause: (lane) => this.workers.update(lane, { enabled: false }),
    resume: (lane) => this.workers.update(lane, { enabled: true }),
    setConcurrency: (lane, maxConcurrency) => this.workers.update(lane, { maxConcurrency }),
  };
};

export {
  ClawTasksApiError,
  ClawTasksClient,
  ClawTasksConnectionError,
  ClawTasksError,
  ClawTasksTimeoutError,
  errorOfResponse,
  isFinished,
};
//# sourceMappingURL=index.js.map
