"""Unit tier: the JSON each Celery canvas shape makes (the `workflow` body of docs/workflows.md).
No API needed.

    cd clients/python && python3 -m unittest -v tests.test_canvas
"""

import unittest

from claw_tasks import Client, Signature, chain, chord, group, signature, xmap

echo = signature("echo")


def node(value=None, **extra):
    """An echo node as the contract writes it."""
    return {"type": "echo", "input": {} if value is None else {"value": value}, **extra}


class ShapesTest(unittest.TestCase):
    def test_a_chain_of_three_passes_each_value_into_result_into(self):
        canvas = chain(echo.si(value=1), echo.s(result_into="value"), echo.s(result_into="value"))
        self.assertEqual(
            canvas.to_json(),
            {"chain": [node(1), node(resultInto="value"), node(resultInto="value")]},
        )

    def test_a_group_of_fifty_accepts_one_iterable(self):
        canvas = group(echo.si(value=i) for i in range(50))
        self.assertEqual(canvas.to_json(), {"group": [node(i) for i in range(50)]})
        self.assertEqual(group(*[echo.si(value=i) for i in range(50)]).to_json(), canvas.to_json())

    def test_a_chord_of_a_hundred_gives_the_header_values_to_the_body(self):
        header = [echo.si(value=i) for i in range(100)]
        body = echo.s(result_into="value")
        expected = {"chord": {"header": [node(i) for i in range(100)], "body": node(resultInto="value")}}
        self.assertEqual(chord(header, body).to_json(), expected)
        self.assertEqual(chord(group(header), body).to_json(), expected)
        self.assertEqual((group(header) | body).to_json(), expected)

    def test_nesting(self):
        canvas = chain(
            echo.si(value="start"),
            group(echo.s(result_into="value"), chain(echo.si(value="a"), echo.s(result_into="value"))),
            chord([echo.si(value=1), echo.si(value=2)], echo.s(result_into="value")),
        )
        self.assertEqual(
            canvas.to_json(),
            {
                "chain": [
                    node("start"),
                    {"group": [node(resultInto="value"), {"chain": [node("a"), node(resultInto="value")]}]},
                    {"chord": {"header": [node(1), node(2)], "body": node(resultInto="value")}},
                ]
            },
        )

    def test_the_pipe_operator(self):
        a, b, c = echo.si(value="a"), echo.s(result_into="value"), echo.s(result_into="value")
        self.assertEqual((a | b).to_json(), {"chain": [node("a"), node(resultInto="value")]})
        # chain | sig extends the chain; sig | chain and chain | chain flatten, as Celery's do.
        three = {"chain": [node("a"), node(resultInto="value"), node(resultInto="value")]}
        self.assertEqual(((a | b) | c).to_json(), three)
        self.assertEqual((a | (b | c)).to_json(), three)
        self.assertEqual((chain(a) | chain(b, c)).to_json(), three)
        # group | sig is a chord; chord | sig runs the sig after the chord's body.
        self.assertEqual(
            (group(a, a) | b | c).to_json(),
            {
                "chain": [
                    {"chord": {"header": [node("a"), node("a")], "body": node(resultInto="value")}},
                    node(resultInto="value"),
                ]
            },
        )
        self.assertEqual(
            (chord([a]) | b).to_json(), {"chord": {"header": [node("a")], "body": node(resultInto="value")}}
        )

    def test_a_mutable_signature_without_result_into_where_a_value_arrives_is_refused(self):
        for canvas in (
            echo.si(value=1) | echo.s(),
            chord([echo.si(value=1)], signature("echo", {"sleep_ms": 5})),
            chain(echo.si(value=1), group(echo.si(value=2), echo.s())),
        ):
            with self.assertRaises(ValueError) as raised:
                canvas.to_json()
            self.assertIn("result_into", str(raised.exception))
            self.assertIn(".si()", str(raised.exception))
        with self.assertRaisesRegex(ValueError, r"workflow\.chain\[1\] \(echo\)"):
            (echo.si() | echo.s()).to_json()

    def test_a_mutable_signature_with_nothing_upstream_receives_nothing(self):
        # The first of a chain and every header member: Celery's .s() there gets no value either.
        self.assertEqual((echo.s(value=1, result_into="value") | echo.si()).to_json(), {"chain": [node(1), node()]})
        self.assertEqual(echo.s(value=1).to_json(), node(1))

    def test_set_and_signature_options(self):
        limits = {"soft_seconds": 5, "hard_seconds": 10}
        sig = signature("echo", {"value": 1}, priority=8, max_attempts=3, id="first", time_limits=limits)
        self.assertEqual(
            sig.to_json(),
            {
                "type": "echo",
                "input": {"value": 1},
                "priority": "high",
                "maxAttempts": 3,
                "id": "first",
                "timeLimits": {"softSeconds": 5, "hardSeconds": 10},
            },
        )
        later = echo.s().set(result_into="value", priority="low", tags={"team": "search"})
        self.assertIs(later.set(max_attempts=2), later)
        self.assertEqual(
            (echo.si() | later).to_json()["chain"][1],
            {
                "type": "echo",
                "input": {},
                "priority": "low",
                "maxAttempts": 2,
                "tags": {"team": "search"},
                "resultInto": "value",
            },
        )
        with self.assertRaises(ValueError):
            echo.set(priority=10)
        with self.assertRaises(TypeError):
            echo.set(retries=3)

    def test_snake_case_inputs_and_result_into_are_sent_in_camel_case(self):
        sig = signature("generate_ai_response", {"conversation_id": "c1"}, result_into="user_message")
        self.assertEqual(
            (echo.si(value="hi") | sig).to_json()["chain"][1],
            {"type": "generate_ai_response", "input": {"conversationId": "c1"}, "resultInto": "userMessage"},
        )
        # Maps the caller owns keep their keys.
        self.assertEqual(
            echo.si(value={"keep_me": 1}, sleep_ms=5).to_json()["input"], {"value": {"keep_me": 1}, "sleepMs": 5}
        )

    def test_s_and_si_copy_and_positional_args_are_refused(self):
        base = echo.s(value=1)
        more = base.s(sleep_ms=5)
        self.assertEqual(base.kwargs, {"value": 1})
        self.assertEqual(more.kwargs, {"value": 1, "sleep_ms": 5})
        self.assertTrue(base.si().immutable)
        self.assertFalse(base.immutable)
        for call in (lambda: echo.s(1), lambda: echo.si(1), lambda: echo.delay(1), lambda: echo.apply_async([1])):
            with self.assertRaisesRegex(ValueError, "positional args"):
                call()

    def test_link_becomes_a_chain_and_link_error_the_on_error(self):
        first = echo.si(value=1)
        self.assertIsInstance(first.link(echo.s(result_into="value")), Signature)
        first.link_error(signature("echo", result_into="value"))
        body = first.workflow_body()
        self.assertEqual(body["workflow"], {"chain": [node(1), node(resultInto="value")]})
        self.assertEqual(body["onError"], node(resultInto="value"))
        # Several links run side by side after it.
        both = echo.si(value=2)
        both.link(echo.s(result_into="value"))
        both.link(echo.si(value=3))
        self.assertEqual(both.to_json(), {"chain": [node(2), {"group": [node(resultInto="value"), node(3)]}]})
        with self.assertRaisesRegex(ValueError, "one onError"):
            first.link_error(echo.si())
        # The error arrives as the upstream value of onError: a mutable errback names its field.
        bad = echo.si()
        bad.link_error(echo.s())
        with self.assertRaisesRegex(ValueError, "result_into"):
            bad.workflow_body()
        nested = echo.si()
        nested.link_error(echo.si())
        with self.assertRaisesRegex(ValueError, "outermost"):
            chain(echo.si(), nested).to_json()

    def test_map(self):
        expected = {"map": {"items": [1, 2, 3], "task": {"type": "echo", "input": {"sleepMs": 0}}, "itemInto": "value"}}
        self.assertEqual(echo.si(sleep_ms=0).map([1, 2, 3], into="value").to_json(), expected)
        self.assertEqual(xmap(echo.si(sleep_ms=0), iter([1, 2, 3]), "value").to_json(), expected)
        self.assertEqual(
            (echo.si(sleep_ms=0).map([1], into="value") | echo.s(result_into="value")).to_json()["chain"][1],
            node(resultInto="value"),
        )

    def test_failure_policy_options(self):
        canvas = group(echo.si(value=1), echo.si(value=2))
        self.assertNotIn("failurePolicy", canvas.workflow_body())
        self.assertEqual(canvas.workflow_body(failure_policy="wait_all")["failurePolicy"], {"mode": "wait_all"})
        self.assertEqual(
            canvas.workflow_body(max_failure_percent=10, tags={"team": "search"}),
            {
                "workflow": canvas.to_json(),
                "failurePolicy": {"mode": "allow_failures", "maxFailurePercent": 10},
                "tags": {"team": "search"},
            },
        )
        with self.assertRaises(ValueError):
            canvas.workflow_body(failure_policy="fail_fast", max_failures=1)
        with self.assertRaises(ValueError):
            canvas.workflow_body(failure_policy="ignore")

    def test_a_chord_without_body_and_empty_canvases_are_refused(self):
        with self.assertRaisesRegex(ValueError, "no body"):
            chord([echo.si()]).to_json()
        for make in (chain, group):
            with self.assertRaises(ValueError):
                make()
        with self.assertRaises(TypeError):
            group("echo")

    def test_celery_dict_signatures(self):
        sig = signature({"task": "echo", "kwargs": {"value": 1}, "options": {"priority": 2}, "immutable": True})
        self.assertEqual(sig.to_json(), {"type": "echo", "input": {"value": 1}, "priority": "low"})

    def test_client_signature_binds_the_client(self):
        client = Client("http://127.0.0.1:9", "ct_test")
        sig = client.signature("echo").si(value=1)
        self.assertIs((sig | echo.s(result_into="value"))._find_client(), client)
        self.assertIs(group(echo.si(), sig)._find_client(), client)

    def test_plain_apply_async_options_are_checked_before_sending(self):
        client = Client("http://127.0.0.1:9", "ct_test")
        with self.assertRaisesRegex(ValueError, "max_attempts"):
            client.signature("echo", max_attempts=2).apply_async()
        with self.assertRaises(TypeError):
            client.signature("echo").apply_async(failure_policy="wait_all")


if __name__ == "__main__":
    unittest.main()
