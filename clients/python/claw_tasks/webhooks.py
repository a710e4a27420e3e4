"""Verifying claw-tasks webhooks (Standard Webhooks), standard library only.

    from claw_tasks import verify_webhook, WebhookVerificationError

    event = verify_webhook(secret, request.headers, raw_body)  # raises when forged or stale
    if event_id_seen(request.headers["webhook-id"]): ...        # replays are yours to refuse

`secret` is the secret's value (`whsec_<base64>` or bare base64): the callback
secret for completion callbacks, the notification secret for what callers
send (docs/security.md#webhook-signatures).
"""

import base64
import binascii
import hashlib
import hmac
import json
import time

from .exceptions import ClawTasksError


class WebhookVerificationError(ClawTasksError):
    """The request is not a valid webhook: missing headers, a stale timestamp or no matching signature."""


def _header(headers, name):
    # Any mapping: a dict, http.client's or email.message's case-insensitive headers.
    for key in headers.keys():
        if key.lower() == name:
            return headers[key]
    raise WebhookVerificationError(f"missing header {name}")


def verify_webhook(secret, headers, body, tolerance=300, now=None):
    """Checks `body` (the raw bytes or text as received) against the webhook-* headers; returns the parsed JSON."""
    try:
        key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret, validate=True)
    except binascii.Error as error:
        raise ValueError("the secret is not base64 (whsec_<base64>)") from error
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    msg_id = _header(headers, "webhook-id")
    timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    try:
        signed_at = int(timestamp)
    except ValueError as error:
        raise WebhookVerificationError("webhook-timestamp is not a number") from error
    if abs((time.time() if now is None else now) - signed_at) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is outside the tolerance")
    digest = hmac.new(key, f"{msg_id}.{signed_at}.".encode("utf-8") + raw, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(digest).decode("ascii")
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures.split()):
        raise WebhookVerificationError("no matching signature")
    return json.loads(raw)
