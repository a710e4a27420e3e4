"""claw-tasks client with Celery's calling API.

    from claw_tasks import Client

    client = Client()  # CLAW_TASKS_API_URL, CLAW_TASKS_API_KEY
    result = client.send_task(
        "generate_ai_response",
        kwargs={"conversation_id": "conv_123", "user_message": "你好"},
        queue="ai_high_priority",
        priority=8,
    )
    print(result.id, result.get(timeout=60))

    # Celery's canvas, as one workflow (docs/workflows.md):
    from claw_tasks import chord, signature

    echo = client.signature("echo")
    workflow = chord([echo.si(value=i) for i in range(100)], echo.s(result_into="value")).apply_async()
    print(workflow.get(timeout=120))  # [0, 1, ..., 99]
"""

from .canvas import Signature, chain, chord, group, signature, xmap
from .client import Client
from .exceptions import (
    ApiError,
    ClawTasksError,
    NotFoundError,
    TaskFailed,
    TaskRevokedError,
    TimeoutError,
    ValidationError,
)
from .result import READY_STATES, AsyncResult, WorkflowResult, states
from .webhooks import WebhookVerificationError, verify_webhook

__all__ = [
    "READY_STATES",
    "Signature",
    "ApiError",
    "AsyncResult",
    "ClawTasksError",
    "Client",
    "NotFoundError",
    "TaskFailed",
    "TaskRevokedError",
    "TimeoutError",
    "ValidationError",
    "WebhookVerificationError",
    "WorkflowResult",
    "chain",
    "chord",
    "group",
    "signature",
    "states",
    "verify_webhook",
    "xmap",
]
