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
