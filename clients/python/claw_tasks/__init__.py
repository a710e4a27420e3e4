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
"""

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
from .result import READY_STATES, AsyncResult, states
from .webhooks import WebhookVerificationError, verify_webhook

__all__ = [
    "READY_STATES",
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
    "states",
    "verify_webhook",
]
