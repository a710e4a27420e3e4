"""Integration tier: Celery's three canvas shapes of issue 17 against a claw-tasks API
(CLAW_TASKS_API_URL / CLAW_TASKS_API_KEY, which `npm test` sets to its local runtime through
test/integration/python-client.test.ts): a chain of 3, a group of 50 and a chord of 100,
then a failure and a revoke. Without the variables, or without the workflow routes, these
tests fail; they never skip.

    cd clients/python && CLAW_TASKS_API_URL=... CLAW_TASKS_API_KEY=... python3 -m unittest -v tests.test_workflows_api
"""

import unittest

from claw_tasks import TaskFailed, TaskRevokedError, chain, chord, group

from .test_client import api_client

#: The local runtime runs a chord of 100 echo tasks in seconds; a deployed stage starts cold.
TIMEOUT = 240


class CeleryShapesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = api_client()
        cls.echo = cls.client.signature("echo")

    def test_a_chain_of_three_echo_tasks(self):
        echo = self.echo
        # The second ignores the first's value (.si), the third takes the second's into `value`.
        result = chain(echo.si(value="first"), echo.si(value="second"), echo.s(result_into="value")).apply_async()
        self.assertEqual(result.get(timeout=TIMEOUT), "second")
        self.assertTrue(result.successful())
        nodes = list(result.nodes())
        self.assertEqual([node["status"] for node in nodes], ["succeeded"] * 3)
        self.assertEqual([node["taskId"] for node in nodes], [f"{result.id}.{node['id']}" for node in nodes])
        self.assertEqual(nodes[2]["result"], "second")
        # A node's task is an ordinary task, readable through the Celery-compatible routes.
        self.assertEqual(self.client.AsyncResult(nodes[0]["taskId"]).get(timeout=10), "first")

    def test_a_group_of_fifty(self):
        result = group(self.echo.si(value=i) for i in range(50)).apply_async()
        self.assertEqual(result.get(timeout=TIMEOUT), list(range(50)))
        self.assertEqual(result.workflow["nodeCount"], 50)
        self.assertEqual(result.workflow["counts"]["succeeded"], 50)

    def test_a_chord_of_a_hundred_whose_body_gets_the_header_values_in_order(self):
        header = [self.echo.si(value=i) for i in range(100)]
        result = chord(header)(self.echo.s(result_into="value"))
        self.assertEqual(result.get(timeout=TIMEOUT), list(range(100)))
        body = list(result.nodes())[-1]
        self.assertEqual(body["result"], list(range(100)))
        self.assertEqual(len(body["after"]), 100)

    def test_a_failed_node_fails_the_workflow_and_get_raises(self):
        result = (self.echo.si(fail="permanent") | self.echo.si(value="never")).apply_async()
        with self.assertRaises(TaskFailed) as raised:
            result.get(timeout=TIMEOUT)
        self.assertEqual(raised.exception.workflow_id, result.id)
        self.assertIn("permanent", str(raised.exception))
        self.assertTrue(result.failed())
        self.assertEqual([node["status"] for node in result.nodes()][1], "skipped")

    def test_revoke_cancels_every_node(self):
        result = chain(self.echo.si(value=1, sleep_ms=5_000), self.echo.si(value=2)).apply_async()
        result.revoke()
        with self.assertRaises(TaskRevokedError):
            result.get(timeout=TIMEOUT)
        self.assertEqual(result.workflow["status"], "cancelled")
        # The second node was never created: skipped (or cancelled, should the server create it first).
        self.assertIn(list(result.nodes())[1]["status"], ("skipped", "cancelled"))


if __name__ == "__main__":
    unittest.main()
