"""The HTTP side: `Client`, over the API's Celery-compatible routes (`/api/v1`)."""

import datetime
import email.utils
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from .exceptions import ApiError, ClawTasksError, NotFoundError, ValidationError
from .result import AsyncResult, WorkflowResult

#: Statuses after which a request is tried again, waiting what Retry-After says.
RETRY_STATUSES = (429, 503)


def _iso(value):
    """A datetime as ISO 8601; a naive one is taken as UTC (Celery's default, enable_utc=True)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.isoformat()


def _retry_after_seconds(header, attempt):
    """Seconds to wait: Retry-After (seconds or an HTTP date) when given, else 0.5 s doubling up to 10 s."""
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(header)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                now = datetime.datetime.now(datetime.timezone.utc)
                return max(0.0, (when - now).total_seconds())
    return min(10.0, 0.5 * 2**attempt)


class Client:
    """A claw-tasks API: `base_url` and `api_key`, by default CLAW_TASKS_API_URL and CLAW_TASKS_API_KEY.

    Requests answered 429 or 503 are tried again up to `max_retries` times,
    after the Retry-After the API gives. `send_task` always sends a task id as
    its idempotency key, so a retried submit cannot create a second task.
    """

    def __init__(self, base_url=None, api_key=None, timeout=30.0, max_retries=5):
        base_url = base_url or os.environ.get("CLAW_TASKS_API_URL")
        api_key = api_key or os.environ.get("CLAW_TASKS_API_KEY")
        if not base_url:
            raise ClawTasksError("no API URL: pass base_url or set CLAW_TASKS_API_URL")
        if not api_key:
            raise ClawTasksError("no API key: pass api_key or set CLAW_TASKS_API_KEY")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self._sleep = time.sleep

    def request(self, method, path, body=None, headers=None):
        """One API call; the JSON answer, or an ApiError (ValidationError on 400, NotFoundError on 404)."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json", **(headers or {})}
        if data is not None:
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    text = response.read()
                    return json.loads(text) if text else None
            except urllib.error.HTTPError as failure:
                text = failure.read()
                if failure.code in RETRY_STATUSES and attempt < self.max_retries:
                    self._sleep(_retry_after_seconds(failure.headers.get("Retry-After"), attempt))
                    attempt += 1
                    continue
                raise _api_error(failure.code, text) from None
            except urllib.error.URLError as failure:
                raise ClawTasksError(f"{method} {self.base_url}{path}: {failure.reason}") from None

    def send_task(
        self,
        name,
        args=None,
        kwargs=None,
        queue=None,
        priority=None,
        countdown=None,
        eta=None,
        expires=None,
        task_id=None,
    ):
        """Submits a task by name, as Celery's `app.send_task` / `task.apply_async`; returns its AsyncResult.

        - `kwargs`: the task's input, snake_case as in Celery (camelCase works too).
          `args` must be empty: claw-tasks inputs are named.
        - `queue`: optional; checked against the task's lane (a wrong one raises
          ValidationError naming the right one).
        - `priority`: Celery's 0-9, higher more urgent: 7-9 high, 4-6 normal,
          0-3 low; None: normal. (Celery on Redis reads 0 as the most urgent;
          claw-tasks follows RabbitMQ and the original's priority=8 = high.)
        - `countdown` (seconds) or `eta` (datetime): when to run, up to 365 days ahead.
        - `expires`: seconds or a datetime; a task not started by then ends REVOKED.
        - `task_id`: the idempotency key (a new UUID when None): sending the same
          task_id and body again within 24 h returns the first task. The task's
          own id (`AsyncResult.id`) is the one the server gives.
        """
        if args:
            raise ValueError("positional args are not supported: pass the task's fields as kwargs")
        body = {"name": name, "kwargs": dict(kwargs or {}), "task_id": task_id or str(uuid.uuid4())}
        if queue is not None:
            body["queue"] = queue
        if priority is not None:
            body["priority"] = priority
        if countdown is not None:
            body["countdown"] = countdown
        if eta is not None:
            body["eta"] = _iso(eta)
        if expires is not None:
            body["expires"] = _iso(expires) if isinstance(expires, datetime.datetime) else expires
        answer = self.request("POST", "/api/v1/tasks/send", body)
        return AsyncResult(answer["task_id"], client=self, name=answer.get("name"))

    def AsyncResult(self, task_id):  # noqa: N802 - Celery's name
        """The result handle of a task by id, as Celery's `app.AsyncResult(task_id)`."""
        return AsyncResult(task_id, client=self)

    def status(self, task_id):
        """The task in Celery's terms: the status route's answer (a dict)."""
        return self.request("GET", f"/api/v1/tasks/status/{urllib.parse.quote(task_id, safe='')}")

    def revoke(self, task_id):
        """Cancels the task: at once if it waits, through its AbortSignal if it runs; a no-op once it ended."""
        try:
            return self.request("POST", f"/api/v1/tasks/cancel/{urllib.parse.quote(task_id, safe='')}")
        except ApiError as error:
            if error.status == 409:
                return None
            raise


    # -- workflows (docs/workflows.md) ------------------------------------------------

    def signature(self, name, kwargs=None, result_into=None, **options):
        """A task signature bound to this client (see claw_tasks.signature): `client.signature("echo").s(value=1)`."""
        from .canvas import Signature

        return Signature(name, kwargs, result_into=result_into, client=self, **options)

    def submit_workflow(self, body, idempotency_key=None):
        """`POST /v1/workflows` with `body` ({"workflow": canvas, ...}); returns its WorkflowResult.

        `idempotency_key` (default: a new UUID, so a retried submit never makes
        a second workflow): the same key and body within 24 h return the first.
        """
        headers = {"Idempotency-Key": idempotency_key or f"ct-py-{uuid.uuid4()}"}
        answer = self.request("POST", "/v1/workflows", body, headers=headers)
        return WorkflowResult(answer["id"], client=self, workflow=answer)

    def WorkflowResult(self, workflow_id):  # noqa: N802 - as AsyncResult
        """The result handle of a workflow by id."""
        return WorkflowResult(workflow_id, client=self)

    def workflow(self, workflow_id):
        """`GET /v1/workflows/{id}`: status, counts, result or error (a dict)."""
        return self.request("GET", f"/v1/workflows/{urllib.parse.quote(workflow_id, safe='')}")

    def workflow_nodes(self, workflow_id, limit=None, cursor=None):
        """One page of the workflow's nodes, in canvas order: `{"items": [...], "nextCursor": ...}`."""
        query = urllib.parse.urlencode({k: v for k, v in (("limit", limit), ("cursor", cursor)) if v is not None})
        path = f"/v1/workflows/{urllib.parse.quote(workflow_id, safe='')}/nodes"
        return self.request("GET", path + (f"?{query}" if query else ""))

    def retry_workflow(self, workflow_id):
        """Runs the failed part of a failed or cancelled workflow again (what succeeded stays)."""
        return self.request("POST", f"/v1/workflows/{urllib.parse.quote(workflow_id, safe='')}/retry")

    def cancel_workflow(self, workflow_id):
        """Cancels the workflow and every node of it; None when it had already ended (409)."""
        try:
            return self.request("POST", f"/v1/workflows/{urllib.parse.quote(workflow_id, safe='')}/cancel")
        except ApiError as error:
            if error.status == 409:
                return None
            raise


def _api_error(status, text):
    try:
        body = json.loads(text or b"{}")
    except ValueError:
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    detail = body.get("detail") if isinstance(body, dict) else None
    message = error.get("message") or (detail if isinstance(detail, str) else None) or f"HTTP {status}"
    kind = ValidationError if status == 400 else NotFoundError if status == 404 else ApiError
    # The Celery-compatible routes answer FastAPI's `detail`; the /v1 routes `error.details`.
    if detail is None:
        detail = error.get("details")
    return kind(status, error.get("code", "http_error"), message, detail)
