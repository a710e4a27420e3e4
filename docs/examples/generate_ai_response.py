#!/usr/bin/env python3
"""Submit a generate_ai_response task to claw-tasks, wait for it, print the reply.

What `generate_ai_response.apply_async(...)` followed by `.get()` did with
Celery, over the HTTP API, with the standard library only:

    CLAW_TASKS_API_URL=http://127.0.0.1:3000 CLAW_TASKS_API_KEY=ct_... \
        python3 generate_ai_response.py "What is claw-tasks?"

Exits 0 with the result on stdout when the task succeeded, 1 otherwise.
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request

API_URL = os.environ["CLAW_TASKS_API_URL"].rstrip("/")
API_KEY = os.environ["CLAW_TASKS_API_KEY"]
FINISHED = {"succeeded", "failed", "cancelled", "expired"}


class ClawTasksError(Exception):
    """An error answer of the API: {"error": {"code", "message", "details"?}}."""

    def __init__(self, status, code, message):
        super().__init__(f"{code} ({status}): {message}")
        self.status, self.code = status, code


def call(method, path, body=None, headers=None):
    request = urllib.request.Request(
        API_URL + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as failure:
        error = json.loads(failure.read() or b"{}").get("error", {})
        raise ClawTasksError(failure.code, error.get("code", "http_error"), error.get("message", failure.reason))


def apply_async(task_type, task_input, idempotency_key=None, **options):
    """Submits a task (options: priority, delaySeconds, runAt, expiresAt, maxAttempts, tags ...)."""
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
    return call("POST", "/v1/tasks", {"type": task_type, "input": task_input, **options}, headers)


def wait(task_id, timeout=300.0, interval=0.5):
    """Reads the task until it has finished; raises TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        task = call("GET", f"/v1/tasks/{task_id}")
        if task["status"] in FINISHED:
            return task
        if time.monotonic() > deadline:
            raise TimeoutError(f"task {task_id} is still {task['status']} after {timeout} s")
        time.sleep(interval)


if __name__ == "__main__":
    message = sys.argv[1] if len(sys.argv) > 1 else "Hello! What can you do?"
    task = apply_async(
        "generate_ai_response",
        {"conversationId": "conversation-42", "userMessage": message},
        priority="high",
    )
    print(f"submitted {task['id']}", file=sys.stderr)
    done = wait(task["id"], timeout=300)
    if done["status"] != "succeeded":
        error = done.get("error") or {}
        print(f"task {done['id']} {done['status']}: {error.get('type')}: {error.get('message')}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(done["result"], indent=2))
