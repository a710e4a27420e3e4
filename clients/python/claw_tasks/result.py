"""`AsyncResult`: a task's state and result, as Celery's celery.result.AsyncResult shows them."""

import time

from .exceptions import TaskFailed, TaskRevokedError, TimeoutError


class states:  # noqa: N801 - Celery's celery.states
    PENDING = "PENDING"
    STARTED = "STARTED"
    RETRY = "RETRY"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    REVOKED = "REVOKED"


#: States a task does not leave (Celery's celery.states.READY_STATES).
READY_STATES = frozenset({states.SUCCESS, states.FAILURE, states.REVOKED})


class AsyncResult:
    """A submitted task. Each look at `state`, `result` or `info` asks the API, until the task is ready.

    claw-tasks statuses read as Celery states: queued and scheduled (waiting
    for countdown/eta) are PENDING, running STARTED, retrying RETRY,
    succeeded SUCCESS, failed FAILURE, cancelled and expired REVOKED.
    """

    def __init__(self, id, client, name=None):  # noqa: A002 - Celery's name
        self.id = id
        self.name = name
        self._client = client
        self._meta = None

    @property
    def task_id(self):
        return self.id

    def _refresh(self):
        if self._meta is None or self._meta["status"] not in READY_STATES:
            self._meta = self._client.status(self.id)
            self.name = self._meta.get("name", self.name)
        return self._meta

    @property
    def state(self):
        """PENDING, STARTED, RETRY, SUCCESS, FAILURE or REVOKED."""
        return self._refresh()["status"]

    status = state

    @property
    def result(self):
        """The return value on SUCCESS; the error (an exception, not raised) on FAILURE or REVOKED; else None."""
        meta = self._refresh()
        if meta["status"] == states.SUCCESS:
            return meta.get("result")
        if meta["status"] in (states.FAILURE, states.REVOKED):
            return self._exception(meta)
        return None

    @property
    def info(self):
        """As `result` once ready; progress ({percent, message}) while it runs."""
        meta = self._refresh()
        if meta["status"] in READY_STATES:
            return self.result
        return meta.get("info")

    @property
    def traceback(self):
        """Always None: stack traces stay in the worker's logs (`claw-tasks logs`)."""
        return None

    @property
    def date_done(self):
        return self._refresh().get("date_done")

    @property
    def queue(self):
        return self._refresh().get("queue")

    def ready(self):
        return self.state in READY_STATES

    def successful(self):
        return self.state == states.SUCCESS

    def failed(self):
        return self.state == states.FAILURE

    def get(self, timeout=None, interval=0.5, propagate=True):
        """Waits for the task and returns its result.

        Raises TaskFailed (FAILURE) or TaskRevokedError (REVOKED) when
        `propagate`, else returns that exception; raises TimeoutError once
        `timeout` seconds have passed without the task being ready.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            meta = self._refresh()
            if meta["status"] in READY_STATES:
                break
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"task {self.id} is still {meta['status']} after {timeout} s")
            wait = interval if deadline is None else min(interval, max(0.0, deadline - time.monotonic()))
            time.sleep(wait)
        if meta["status"] == states.SUCCESS:
            return meta.get("result")
        error = self._exception(meta)
        if propagate:
            raise error
        return error

    def revoke(self, terminate=False):
        """Cancels the task (`terminate` is accepted for Celery's sake: a running task is always asked to stop)."""
        self._client.revoke(self.id)
        self._meta = None

    def forget(self):
        """Drops what this handle remembers (records expire on their own)."""
        self._meta = None

    def _exception(self, meta):
        if meta["status"] == states.REVOKED:
            return TaskRevokedError(self.id, meta.get("claw_status", "cancelled"))
        info = meta.get("info") or {}
        return TaskFailed(self.id, info.get("exc_type", "error"), info.get("exc_message", meta.get("error") or ""))

    def __repr__(self):
        return f"<AsyncResult: {self.id}>"

    def __eq__(self, other):
        return isinstance(other, AsyncResult) and other.id == self.id

    def __hash__(self):
        return hash(self.id)


#: The statuses a workflow does not leave.
WORKFLOW_ENDED = frozenset({"succeeded", "failed", "cancelled"})

#: A workflow's statuses (GET /v1/workflows/{id}) as Celery states.
WORKFLOW_STATES = {
    "running": states.STARTED,
    "succeeded": states.SUCCESS,
    "failed": states.FAILURE,
    "cancelled": states.REVOKED,
}


class WorkflowResult:
    """A submitted workflow (a chain, group, chord or map): Celery's result handle for a canvas.

    `state` / `status` read as Celery states (running STARTED, succeeded
    SUCCESS, failed FAILURE, cancelled REVOKED); `workflow` is the API's
    answer as last read (`status`, `counts`, `result`, `error`, ...).
    """

    def __init__(self, id, client, workflow=None):  # noqa: A002 - Celery's name
        self.id = id
        self._client = client
        self._workflow = workflow

    def _refresh(self):
        if self._workflow is None or self._workflow.get("status") not in WORKFLOW_ENDED:
            self._workflow = self._client.workflow(self.id)
        return self._workflow

    @property
    def workflow(self):
        """`GET /v1/workflows/{id}` (read again until the workflow has ended)."""
        return self._refresh()

    @property
    def state(self):
        """STARTED while it runs, then SUCCESS, FAILURE or REVOKED."""
        return WORKFLOW_STATES.get(self._refresh()["status"], states.PENDING)

    status = state

    @property
    def result(self):
        """The workflow's value on SUCCESS; its error (an exception, not raised) on FAILURE or REVOKED; else None."""
        workflow = self._refresh()
        if workflow["status"] == "succeeded":
            return workflow.get("result")
        if workflow["status"] in ("failed", "cancelled"):
            return self._exception(workflow)
        return None

    def ready(self):
        return self.state in READY_STATES

    def successful(self):
        return self.state == states.SUCCESS

    def failed(self):
        return self.state == states.FAILURE

    def get(self, timeout=None, interval=0.5, propagate=True):
        """Waits for the whole workflow and returns its value (the top-level canvas's: docs/workflows.md).

        Raises TaskFailed (failed: the node at fault's task and error) or
        TaskRevokedError (cancelled) when `propagate`, else returns that
        exception; raises TimeoutError once `timeout` seconds have passed.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            workflow = self._refresh()
            if workflow["status"] in WORKFLOW_ENDED:
                break
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(
                    f"workflow {self.id} is still {workflow['status']} after {timeout} s ({workflow.get('counts')})"
                )
            time.sleep(interval if deadline is None else min(interval, max(0.0, deadline - time.monotonic())))
        if workflow["status"] == "succeeded":
            return workflow.get("result")
        error = self._exception(workflow)
        if propagate:
            raise error
        return error

    def nodes(self, page_size=None):
        """Every node, in canvas order, across all pages: dicts `{id, taskId, type, after, status, result?, error?}`."""
        cursor = None
        while True:
            page = self._client.workflow_nodes(self.id, limit=page_size, cursor=cursor)
            yield from page.get("items", [])
            cursor = page.get("nextCursor")
            if not cursor:
                return

    def revoke(self, terminate=False):
        """Cancels the workflow: every node (running ones through their AbortSignal); nothing more is created."""
        self._client.cancel_workflow(self.id)
        self._workflow = None

    def retry(self):
        """Runs the failed part again (Celery has no such call for a canvas; what succeeded stays)."""
        self._client.retry_workflow(self.id)
        self._workflow = None

    def forget(self):
        self._workflow = None

    def _exception(self, workflow):
        if workflow["status"] == "cancelled":
            return TaskRevokedError(self.id, "workflow cancelled")
        # `error`: {nodeId, taskId, outcome, error?: the task's {type, message}, message}.
        error = workflow.get("error") or {}
        cause = error.get("error") if isinstance(error.get("error"), dict) else {}
        failure = TaskFailed(
            error.get("taskId") or self.id,
            cause.get("type") or error.get("outcome") or "workflow_failed",
            cause.get("message") or error.get("message") or "",
        )
        failure.workflow_id = self.id
        failure.node = error.get("nodeId")
        return failure

    def __repr__(self):
        return f"<WorkflowResult: {self.id}>"

    def __eq__(self, other):
        return isinstance(other, WorkflowResult) and other.id == self.id

    def __hash__(self):
        return hash(self.id)
