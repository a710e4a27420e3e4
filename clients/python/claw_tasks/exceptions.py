"""Errors of the claw-tasks client, shaped after Celery's where Celery has one."""

import builtins


class ClawTasksError(Exception):
    """Base class of every error this client raises."""


class ApiError(ClawTasksError):
    """The API refused a request: `status`, `code` (the API's error code), `detail` (FastAPI's detail)."""

    def __init__(self, status, code, message, detail=None):
        super().__init__(f"{code} ({status}): {message}")
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail


class ValidationError(ApiError, ValueError):
    """400: a bad field; `detail` lists each one (`loc` names it). A wrong `queue` names the right one."""


class NotFoundError(ApiError, LookupError):
    """404: no such task (or queue)."""


class TimeoutError(ClawTasksError, builtins.TimeoutError):
    """`AsyncResult.get()` gave up waiting (Celery's celery.exceptions.TimeoutError)."""


class TaskFailed(ClawTasksError):
    """The task ended FAILURE; `exc_type` and `exc_message` are the task's error, as Celery re-raises it."""

    def __init__(self, task_id, exc_type, exc_message):
        super().__init__(f"task {task_id} failed: {exc_type}: {exc_message}")
        self.task_id = task_id
        self.exc_type = exc_type
        self.exc_message = exc_message


class TaskRevokedError(ClawTasksError):
    """The task ended REVOKED: cancelled, or expired before it started (Celery's TaskRevokedError)."""

    def __init__(self, task_id, reason):
        super().__init__(f"task {task_id} was revoked ({reason})")
        self.task_id = task_id
        self.reason = reason
