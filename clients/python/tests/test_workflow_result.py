"""Unit tier: submitting a canvas and WorkflowResult, against a loopback server that plays the
workflow routes of docs/workflows.md (no API needed).

    cd clients/python && python3 -m unittest -v tests.test_workflow_result
"""

import http.server
import json
import threading
import time
import unittest
import urllib.parse

from claw_tasks import (
    Client,
    NotFoundError,
    TaskFailed,
    TaskRevokedError,
    TimeoutError,
    ValidationError,
    chord,
    group,
    signature,
    states,
)


class FakeWorkflowApi(http.server.BaseHTTPRequestHandler):
    """Answers from `FakeWorkflowApi.answer(method, path, query, body)` -> (status, body); records each request."""

    answer = None
    requests = []

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        FakeWorkflowApi.requests.append(
            {"method": self.command, "path": url.path, "query": query, "body": body, "headers": dict(self.headers)}
        )
        status, answer = FakeWorkflowApi.answer(self.command, url.path, query, body)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = _handle  # noqa: N815
    do_POST = _handle  # noqa: N815

    def log_message(self, *args):
        pass


def workflow(status="running", **fields):
    return {"id": "wf1", "status": status, "nodeCount": 3, "counts": {}, **fields}


class WorkflowResultTest(unittest.TestCase):
    def setUp(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeWorkflowApi)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.client = Client(f"http://127.0.0.1:{self.server.server_port}", "ct_test")
        self.echo = self.client.signature("echo")
        FakeWorkflowApi.requests = []

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()

    def serve(self, reads, submitted=None, nodes=None, cancel=None):
        """POST /v1/workflows answers `submitted`; each GET of the workflow the next of `reads` (then the last)."""
        reads = list(reads)

        def answer(method, path, query, body):
            if method == "POST" and path == "/v1/workflows":
                return 202, submitted or workflow()
            if method == "POST" and path == "/v1/workflows/wf1/cancel":
                return cancel or (200, workflow("cancelled"))
            if method == "GET" and path == "/v1/workflows/wf1":
                return 200, reads.pop(0) if len(reads) > 1 else reads[0]
            if method == "GET" and path == "/v1/workflows/wf1/nodes":
                return 200, nodes[query.get("cursor", "")]
            return 404, {"error": {"code": "not_found", "message": f"no route {method} {path}"}}

        FakeWorkflowApi.answer = answer

    def test_apply_async_posts_the_workflow_body_with_an_idempotency_key(self):
        self.serve([workflow("succeeded", result=[0, 1, 2])])
        canvas = chord([self.echo.si(value=i) for i in range(3)], self.echo.s(result_into="value"))
        result = canvas.apply_async(max_failures=1, tags={"team": "search"}, idempotency_key="order-42")
        self.assertEqual(result.id, "wf1")
        sent = FakeWorkflowApi.requests[0]
        self.assertEqual((sent["method"], sent["path"]), ("POST", "/v1/workflows"))
        self.assertEqual(
            sent["body"],
            {
                "workflow": canvas.to_json(),
                "failurePolicy": {"mode": "allow_failures", "maxFailures": 1},
                "tags": {"team": "search"},
            },
        )
        self.assertEqual(sent["headers"]["Idempotency-Key"], "order-42")
        self.assertEqual(sent["headers"]["Authorization"], "Bearer ct_test")
        self.assertEqual(result.get(timeout=5), [0, 1, 2])

    def test_a_random_idempotency_key_by_default(self):
        self.serve([workflow()])
        group(self.echo.si(value=1)).apply_async()
        group(self.echo.si(value=1)).delay()
        group(self.echo.si(value=1))()
        keys = [request["headers"]["Idempotency-Key"] for request in FakeWorkflowApi.requests]
        self.assertRegex(keys[0], r"^ct-py-[0-9a-f-]{36}$")
        self.assertEqual(len(set(keys)), 3)

    def test_get_waits_for_the_whole_workflow(self):
        self.serve([workflow(), workflow(), workflow("succeeded", result={"a": 1})])
        result = (self.echo.si(value=1) | self.echo.s(result_into="value")).apply_async()
        self.assertEqual(result.get(timeout=5, interval=0.01), {"a": 1})
        self.assertTrue(result.ready())
        self.assertTrue(result.successful())
        self.assertFalse(result.failed())
        self.assertEqual(result.state, states.SUCCESS)
        self.assertEqual(result.status, states.SUCCESS)
        self.assertEqual(result.result, {"a": 1})
        self.assertEqual(result.workflow["status"], "succeeded")
        reads = [r for r in FakeWorkflowApi.requests if r["method"] == "GET"]
        self.assertEqual(len(reads), 3)  # once ended, it is not read again

    def test_a_failed_workflow_raises_task_failed_naming_the_node(self):
        error = {
            "nodeId": "n1",
            "taskId": "wf1.n1",
            "outcome": "failed",
            "error": {"type": "echo_failure", "message": "failed on request", "retryable": False},
            "message": "node n1 ended failed: failed on request",
        }
        self.serve([workflow("failed", error=error)])
        result = self.client.WorkflowResult("wf1")
        with self.assertRaises(TaskFailed) as raised:
            result.get(timeout=5)
        self.assertEqual(raised.exception.task_id, "wf1.n1")
        self.assertEqual(raised.exception.exc_type, "echo_failure")
        self.assertEqual(raised.exception.node, "n1")
        self.assertEqual(raised.exception.workflow_id, "wf1")
        self.assertIsInstance(result.get(propagate=False), TaskFailed)
        self.assertTrue(result.failed())
        self.assertEqual(result.state, states.FAILURE)

    def test_a_cancelled_workflow_raises_task_revoked(self):
        self.serve([workflow("running"), workflow("running"), workflow("cancelled")])
        result = self.client.WorkflowResult("wf1")
        self.assertEqual(result.state, states.STARTED)
        self.assertFalse(result.ready())
        result.revoke()
        self.assertEqual(FakeWorkflowApi.requests[-1]["path"], "/v1/workflows/wf1/cancel")
        with self.assertRaises(TaskRevokedError):
            result.get(timeout=5)
        self.assertEqual(result.state, states.REVOKED)

    def test_revoking_an_ended_workflow_does_nothing(self):
        self.serve([workflow("succeeded")], cancel=(409, {"error": {"code": "conflict", "message": "ended"}}))
        self.client.WorkflowResult("wf1").revoke()

    def test_get_times_out(self):
        self.serve([workflow("running")])
        started = time.monotonic()
        with self.assertRaises(TimeoutError):
            self.client.WorkflowResult("wf1").get(timeout=0.3, interval=0.05)
        self.assertLess(time.monotonic() - started, 3)

    def test_nodes_reads_every_page(self):
        page = lambda ids, cursor: {  # noqa: E731
            "items": [{"id": i, "taskId": f"wf1.{i}", "type": "echo", "after": [], "status": "succeeded"} for i in ids],
            "nextCursor": cursor,
        }
        self.serve([workflow()], nodes={"": page(["n0", "n1"], "c1"), "c1": page(["n2"], None)})
        nodes = list(self.client.WorkflowResult("wf1").nodes(page_size=2))
        self.assertEqual([n["id"] for n in nodes], ["n0", "n1", "n2"])
        queries = [r["query"] for r in FakeWorkflowApi.requests]
        self.assertEqual(queries, [{"limit": "2"}, {"limit": "2", "cursor": "c1"}])

    def test_a_bad_node_is_a_validation_error_with_the_api_details(self):
        issues = {"issues": [{"path": "workflow.chord.header[3].input.value", "message": "bad"}]}

        def answer(method, path, query, body):
            return 400, {"error": {"code": "validation_error", "message": "bad request", "details": issues}}

        FakeWorkflowApi.answer = answer
        with self.assertRaises(ValidationError) as raised:
            group(self.echo.si(value=1)).apply_async()
        self.assertEqual(raised.exception.detail, issues)

    def test_a_missing_route_is_an_error_not_a_silent_pass(self):
        FakeWorkflowApi.answer = lambda *request: (404, {"message": "Not Found"})
        with self.assertRaises(NotFoundError):
            group(self.echo.si(value=1)).apply_async()

    def test_a_single_signature_with_link_is_a_workflow_and_without_a_plain_task(self):
        def answer(method, path, query, body):
            if path == "/api/v1/tasks/send":
                return 200, {"task_id": "t1", "name": "echo", "status": "PENDING"}
            return 202, workflow()

        FakeWorkflowApi.answer = answer
        plain = self.echo.s(value=1).apply_async(priority="high", countdown=5)
        self.assertEqual(plain.id, "t1")
        sent = FakeWorkflowApi.requests[-1]
        self.assertEqual(sent["path"], "/api/v1/tasks/send")
        self.assertEqual(
            {k: sent["body"][k] for k in ("name", "kwargs", "priority", "countdown")},
            {"name": "echo", "kwargs": {"value": 1}, "priority": 9, "countdown": 5},
        )
        linked = self.echo.s(value=1)
        linked.link(signature("echo", result_into="value"))
        self.assertEqual(linked.apply_async().id, "wf1")
        self.assertEqual(FakeWorkflowApi.requests[-1]["path"], "/v1/workflows")
        self.assertEqual(
            FakeWorkflowApi.requests[-1]["body"]["workflow"],
            {"chain": [{"type": "echo", "input": {"value": 1}}, {"type": "echo", "input": {}, "resultInto": "value"}]},
        )

    def test_chord_header_called_with_the_body_submits_at_once(self):
        self.serve([workflow()])
        result = chord([self.echo.si(value=1)])(self.echo.s(result_into="value"))
        self.assertEqual(result.id, "wf1")
        self.assertEqual(
            FakeWorkflowApi.requests[0]["body"]["workflow"],
            {
                "chord": {
                    "header": [{"type": "echo", "input": {"value": 1}}],
                    "body": {"type": "echo", "input": {}, "resultInto": "value"},
                }
            },
        )


if __name__ == "__main__":
    unittest.main()
