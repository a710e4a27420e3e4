"""verify_webhook against a delivery signed as the worker signs it (functions/core/webhook-signature.ts).

The vector was made with the worker's signer and checked against the
`standardwebhooks` npm library (test/unit/task-types.test.ts); no API needed.
"""

import unittest

from claw_tasks import WebhookVerificationError, verify_webhook

SECRET = "whsec_BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU="
BODY = (
    '{"id":"0b6f","event":"task.succeeded","createdAt":"2026-11-30T08:00:00.000Z",'
    '"data":{"taskId":"0b6f","result":"你好"}}'
)
SIGNED_AT = 1_800_000_000
HEADERS = {
    "Webhook-Id": "0b6f",
    "Webhook-Timestamp": str(SIGNED_AT),
    "Webhook-Signature": "v1,ci+StxTcTzA4tasd7UG0PSZEhxFyXTWQbtRD6mmLJ7A=",
}


class VerifyWebhookTest(unittest.TestCase):
    def test_a_real_delivery_verifies_and_returns_the_event(self):
        event = verify_webhook(SECRET, HEADERS, BODY.encode("utf-8"), now=SIGNED_AT + 10)
        self.assertEqual(event["event"], "task.succeeded")
        self.assertEqual(event["data"]["result"], "你好")
        self.assertEqual(verify_webhook(SECRET[len("whsec_"):], HEADERS, BODY, now=SIGNED_AT)["id"], "0b6f")

    def test_another_body_id_or_secret_is_refused(self):
        with self.assertRaises(WebhookVerificationError):
            verify_webhook(SECRET, HEADERS, BODY.replace("你好", "forged"), now=SIGNED_AT)
        with self.assertRaises(WebhookVerificationError):
            verify_webhook(SECRET, {**HEADERS, "Webhook-Id": "other"}, BODY, now=SIGNED_AT)
        with self.assertRaises(WebhookVerificationError):
            verify_webhook("whsec_" + "A" * 44, HEADERS, BODY, now=SIGNED_AT)

    def test_a_stale_timestamp_is_refused(self):
        with self.assertRaises(WebhookVerificationError):
            verify_webhook(SECRET, HEADERS, BODY, now=SIGNED_AT + 301)

    def test_missing_headers_are_refused(self):
        with self.assertRaises(WebhookVerificationError):
            verify_webhook(SECRET, {"webhook-id": "0b6f"}, BODY, now=SIGNED_AT)


if __name__ == "__main__":
    unittest.main()
