"""The claw_tasks client: against a claw-tasks API (CLAW_TASKS_API_URL / CLAW_TASKS_API_KEY,
which `npm test` sets to its local runtime), and against a stand-in server
that answers 429 and 503 to check the retries.

    cd clients/python && CLAW_TASKS_API_URL=... CLAW_TASKS_API_KEY=... python3 -m unittest -v
"""

import datetime
import email.utils
import http.server
import json
import os
import threading
import time
import unittest
import uuid

from claw_tasks import (
    ApiError,
    Client,
    TaskFailed,
    TaskRevokedError,
    TimeoutError,
    ValidationError,
    states,
)


def api_client():
    if not os.environ.get("CLAW_TASKS_API_URL") or not os.environ.get("CLAW_TASKS_API_KEY"):
        raise RuntimeError("set CLAW_TASKS_API_URL and CLAW_TASKS_API_KEY to a claw-tasks API (npm start prints them)")
    return Client()


class SendTaskTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = api_client()

    def test_the_original_apply_async_call_runs_and_get_returns_the_reply(self):
        result = self.client.send_task(
            "generate_ai_response",
            kwargs={"conversation_id": "conv_123", "user_message": "你好"},
            queue="ai_high_priority",
            priority=8,
        )
        self.assertIsInstance(result.id, str)
        reply = result.get(timeout=60)
        self.assertEqual(reply["conversationId"], "conv_123")
        self.assertEqual(reply["message"]["role"], "assistant")
        self.assertIn("你好", reply["message"]["content"])
        self.assertTrue(result.ready())
        self.assertTrue(result.successful())
        self.assertFalse(result.failed())
        self.assertEqual(result.state, states.SUCCESS)
        self.assertEqual(result.status, states.SUCCESS)
        self.assertEqual(result.info, reply)
        # priority=8 on ai_high_priority comes out high.
        self.assertEqual(self.client.status(result.id)["priority"], "high")
        again = self.client.AsyncResult(result.id)
        self.assertEqual(again, result)
        self.assertEqual(again.result, reply)

    def test_a_wrong_queue_names_the_right_lane(self):
        with self.assertRaises(ValidationError) as raised:
            self.client.send_task(
                "generate_ai_response",
                kwargs={"conversation_id": "conv_123", "user_message": "你好"},
                queue="default",
            )
        self.assertIn('queue="ai_high_priority"', str(raised.exception))
        self.assertEqual(raised.exception.detail[0]["loc"], ["body", "queue"])

    def test_numeric_priorities_map_onto_high_normal_low(self):
        for priority, expected in ((9, "high"), (7, "high"), (6, "normal"), (4, "normal"), (3, "low"), (0, "low")):
            result = self.client.send_task("echo", kwargs={"value": priority}, priority=priority)
            self.assertEqual(self.client.status(result.id)["priority"], expected, f"priority={priority}")
        with self.assertRaises(ValidationError):
            self.client.send_task("echo", priority=10)

    def test_a_failure_is_raised_by_get_or_returned_without_propagate(self):
        result = self.client.send_task("echo", kwargs={"fail": "permanent"})
        with self.assertRaises(TaskFailed) as raised:
            result.get(timeout=30)
        self.assertEqual(raised.exception.task_id, result.id)
        self.assertTrue(result.failed())
        self.assertEqual(result.state, states.FAILURE)
        self.assertIsInstance(result.get(propagate=False), TaskFailed)
        self.assertIsInstance(result.result, TaskFailed)

    def test_get_times_out_and_revoke_cancels(self):
        result = self.client.send_task("echo", kwargs={"value": "late"}, countdown=600)
        self.assertEqual(result.state, states.PENDING)
        started = time.monotonic()
        with self.assertRaises(TimeoutError):
            result.get(timeout=0.5, interval=0.1)
        self.assertLess(time.monotonic() - started, 5)
        result.revoke()
        self.assertEqual(result.state, states.REVOKED)
        with self.assertRaises(TaskRevokedError):
            result.get(timeout=5)
        result.revoke()  # revoking a finished task does nothing, as in Celery

    def test_snake_case_kwargs_and_expires(self):
        expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        result = self.client.send_task("echo", kwargs={"value": {"keep_me": 1}, "sleep_ms": 10}, expires=expires)
        self.assertEqual(result.get(timeout=30), {"keep_me": 1})

    def test_the_same_task_id_returns_the_first_task(self):
        task_id = str(uuid.uuid4())
        first = self.client.send_task("echo", kwargs={"value": 1}, task_id=task_id)
        second = self.client.send_task("echo", kwargs={"value": 1}, task_id=task_id)
        self.assertEqual(first.id, second.id)

    def test_positional_args_are_refused(self):
        with self.assertRaises(ValueError):
            self.client.send_task("echo", args=[1])


class StandIn(http.server.BaseHTTPRequestHandler):
    """Answers the queued (status, headers, body) triples in turn, and records each request."""

    answers = []
    requests = []

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        StandIn.requests.append((self.path, json.loads(self.rfile.read(length) or b"null")))
        status, headers, body = StandIn.answers.pop(0)
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class RetryTest(unittest.TestCase):
    def setUp(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.client = Client(f"http://127.0.0.1:{self.server.server_port}", "ct_test")
        StandIn.requests = []
        self.throttled = {"error": {"code": "throttled", "message": "slow down"}}
        self.accepted = {"task_id": "t-1", "name": "echo", "status": "PENDING"}

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()

    def test_429_and_503_are_retried_after_retry_after_with_the_same_task_id(self):
        StandIn.answers = [
            (429, {"Retry-After": "1"}, self.throttled),
            (503, {"Retry-After": email.utils.formatdate(time.time() + 1, usegmt=True)}, self.throttled),
            (200, {}, self.accepted),
        ]
        started = time.monotonic()
        result = self.client.send_task("echo", kwargs={"value": 1})
        self.assertEqual(result.id, "t-1")
        self.assertGreaterEqual(time.monotonic() - started, 1.0)
        self.assertEqual(len(StandIn.requests), 3)
        task_ids = {body["task_id"] for _, body in StandIn.requests}
        self.assertEqual(len(task_ids), 1)

    def test_gives_up_after_max_retries(self):
        self.client.max_retries = 2
        StandIn.answers = [(503, {"Retry-After": "0"}, self.throttled)] * 3
        with self.assertRaises(ApiError) as raised:
            self.client.send_task("echo")
        self.assertEqual(raised.exception.status, 503)
        self.assertEqual(len(StandIn.requests), 3)


if __name__ == "__main__":
    unittest.main()
