"""Celery's canvas over `POST /v1/workflows`: signature, chain, group, chord, `|`, link, link_error, map.

    from claw_tasks import chain, chord, group, signature

    echo = signature("echo")
    result = chord([echo.si(value=i) for i in range(100)], echo.s(result_into="value")).apply_async()
    result.get(timeout=120)  # [0, 1, ..., 99]

Each canvas's `to_json()` is the `workflow` value of docs/workflows.md. What
differs from Celery, because claw-tasks inputs are named:

- A mutable signature (`.s()`) receives the upstream value into one input
  field, named by `result_into`; one placed where an upstream value arrives
  without `result_into` raises ValueError (set it, or use `.si()`). The same
  signature where nothing is upstream (the first of a chain) receives nothing.
- Positional args are refused, as in `Client.send_task`.
- Input field names may be snake_case, as for `send_task`: they are sent in the
  catalog's camelCase (`result_into` and `map(into=)` too).
"""

import copy

from .exceptions import ClawTasksError

#: Options a task node takes (Python name -> the contract's name).
NODE_OPTIONS = {
    "priority": "priority",
    "max_attempts": "maxAttempts",
    "time_limits": "timeLimits",
    "tags": "tags",
    "id": "id",
}
#: Options of a plain `apply_async` (Celery's), passed on to `Client.send_task`; not sent in a workflow.
SEND_TASK_OPTIONS = ("queue", "countdown", "eta", "expires", "task_id")
FAILURE_POLICIES = ("fail_fast", "wait_all", "allow_failures")

#: Input fields whose values are the caller's own maps: their keys are data, left as they are.
#: The same set as the server's Celery-compatible routes (functions/api/celery-compat.ts).
_OPAQUE_KEYS = frozenset({"payload", "metadata", "value", "tags"})


def _camel(name):
    """`user_message` -> `userMessage` (camelCase stays as it is)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _camel_keys(value):
    if isinstance(value, (list, tuple)):
        return [_camel_keys(item) for item in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = _camel(key) if isinstance(key, str) else key
            out[name] = item if name in _OPAQUE_KEYS else _camel_keys(item)
        return out
    return value


def _priority(value):
    """Celery's 0-9 (7-9 high, 4-6 normal, 0-3 low, as send_task maps it) or high/normal/low."""
    if value in ("high", "normal", "low"):
        return value
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 9:
        raise ValueError(f"priority: expected 0-9 or 'high', 'normal', 'low', got {value!r}")
    return "high" if value >= 7 else "normal" if value >= 4 else "low"


def _refuse_args(args):
    if args:
        raise ValueError("positional args are not supported: pass the task's fields as keyword arguments")


def _as_canvas(value, where):
    if isinstance(value, dict):  # Celery accepts a signature's dict form
        value = Signature.from_dict(value)
    if not isinstance(value, Canvas):
        raise TypeError(f"{where}: expected a signature, chain, group, chord or map, got {type(value).__name__}")
    return value


def _members(tasks, where):
    """`group(a, b)` or `group([a, b])` / `group(generator)`: Celery takes both."""
    if len(tasks) == 1 and not isinstance(tasks[0], (Canvas, dict)):
        tasks = tuple(tasks[0])
    return [_as_canvas(task, where) for task in tasks]


class Canvas:
    """What every canvas has: `|`, link, link_error, to_json, apply_async / delay."""

    def __init__(self):
        self._links = []
        self._errback = None
        self._client = None

    # -- building -----------------------------------------------------------------

    def __or__(self, other):
        other = _as_canvas(other, "|")
        return chain(self, other)

    def link(self, callback):
        """Runs `callback` after this canvas (with its value when mutable): the canvas becomes a chain.

        Returns `callback`, as Celery's does. Several links run side by side (a group after this canvas).
        """
        self._links.append(_as_canvas(callback, "link"))
        return callback

    def link_error(self, errback):
        """`errback` becomes the workflow's `onError`: created once if the workflow fails.

        One per workflow, on the outermost canvas; when mutable, its `result_into` field gets the error.
        """
        errback = _as_canvas(errback, "link_error")
        if not isinstance(errback, Signature) or errback._links or errback._errback:
            raise ValueError("link_error takes one task signature (it becomes the workflow's onError)")
        if self._errback is not None:
            raise ValueError("a workflow has one onError: link_error was already set")
        self._errback = errback
        return errback

    def _expanded(self):
        """This canvas with its links made explicit (a chain), without link_error."""
        bare = copy.copy(self)
        bare._links = []
        bare._errback = None
        if not self._links:
            return bare
        after = self._links[0] if len(self._links) == 1 else group(self._links)
        return chain(bare, after)

    # -- JSON ---------------------------------------------------------------------

    def to_json(self):
        """The canvas as the `workflow` value of `POST /v1/workflows` (docs/workflows.md)."""
        return self._expanded()._json(upstream=False, path="workflow")

    def _json(self, upstream, path):
        raise NotImplementedError

    def _check_no_errback(self, path):
        if self._errback is not None:
            raise ValueError(
                f"{path}: link_error only on the outermost canvas (it becomes the workflow's onError)"
            )

    def _child(self, canvas, upstream, path):
        canvas._check_no_errback(path)
        return canvas._expanded()._json(upstream, path)

    def workflow_body(
        self,
        failure_policy=None,
        max_failures=None,
        max_failure_percent=None,
        tags=None,
    ):
        """The whole body of `POST /v1/workflows`: `workflow`, and `failurePolicy`, `onError`, `tags` when set."""
        body = {"workflow": self.to_json()}
        policy = _failure_policy(failure_policy, max_failures, max_failure_percent)
        if policy is not None:
            body["failurePolicy"] = policy
        if self._errback is not None:
            body["onError"] = self._errback._node(upstream=True, path="onError")
        if tags:
            body["tags"] = dict(tags)
        return body

    # -- running ------------------------------------------------------------------

    def _find_client(self):
        return self._client

    def apply_async(
        self,
        failure_policy=None,
        max_failures=None,
        max_failure_percent=None,
        idempotency_key=None,
        tags=None,
        client=None,
    ):
        """Submits the canvas as one workflow; returns its WorkflowResult.

        - `failure_policy`: 'fail_fast' (default), 'wait_all' or 'allow_failures';
          `max_failures` / `max_failure_percent` imply 'allow_failures'.
        - `idempotency_key`: the same key and body within 24 h return the first
          workflow (default: a new UUID, so the client's own retries never make two).
        - `tags`: the workflow's tags.
        - `client`: default the one given to a signature, else `Client()` from the environment.
        """
        client = client or self._find_client() or _default_client()
        body = self.workflow_body(failure_policy, max_failures, max_failure_percent, tags)
        return client.submit_workflow(body, idempotency_key=idempotency_key)

    def delay(self):
        """`apply_async()` with the defaults, as Celery's."""
        return self.apply_async()

    def __call__(self, **options):
        """Celery's `chain(...)()` / `group(...)()`: `apply_async(**options)`."""
        return self.apply_async(**options)

    def __repr__(self):
        return f"<{type(self).__name__}: {self.to_json()!r}>"


def _default_client():
    from .client import Client

    return Client()


def _failure_policy(mode, max_failures, max_failure_percent):
    if mode is None and max_failures is None and max_failure_percent is None:
        return None
    if mode is None:
        mode = "allow_failures"
    if mode not in FAILURE_POLICIES:
        raise ValueError(f"failure_policy: expected one of {', '.join(FAILURE_POLICIES)}, got {mode!r}")
    if mode != "allow_failures" and (max_failures is not None or max_failure_percent is not None):
        raise ValueError("max_failures and max_failure_percent go with failure_policy='allow_failures'")
    policy = {"mode": mode}
    if max_failures is not None:
        policy["maxFailures"] = max_failures
    if max_failure_percent is not None:
        policy["maxFailurePercent"] = max_failure_percent
    return policy


class Signature(Canvas):
    """One task of the catalog by name, with its input (`kwargs`) and options.

    Mutable (`.s()`, the default of `signature()`): receives the upstream value
    into the input field `result_into`. Immutable (`.si()`): ignores it and
    only waits for the upstream to end.
    """

    def __init__(self, name, kwargs=None, result_into=None, client=None, immutable=False, **options):
        super().__init__()
        if not isinstance(name, str) or not name:
            raise TypeError("signature: the task's name (its type in the catalog) is required")
        self.name = name
        self.kwargs = dict(kwargs or {})
        self.result_into = result_into
        self.immutable = immutable
        self.options = {}
        self._client = client
        self.set(**options)

    @classmethod
    def from_dict(cls, data):
        """Celery's dict form `{"task": name, "kwargs": {...}, "options": {...}, "immutable": bool}`."""
        if data.get("args"):
            _refuse_args(data["args"])
        options = dict(data.get("options") or {})
        return cls(data["task"], data.get("kwargs"), immutable=bool(data.get("immutable")), **options)

    def set(self, result_into=None, immutable=None, **options):
        """Sets options in place and returns the signature: priority, max_attempts, time_limits, tags, id,
        result_into, immutable (and queue, countdown, eta, expires, task_id for a plain apply_async)."""
        for name in options:
            if name not in NODE_OPTIONS and name not in SEND_TASK_OPTIONS:
                known = ", ".join([*NODE_OPTIONS, "result_into", "immutable", *SEND_TASK_OPTIONS])
                raise TypeError(f"{self.name}: unknown option {name!r} (known: {known})")
        if "priority" in options and options["priority"] is not None:
            _priority(options["priority"])  # fails now rather than at apply time
        self.options.update(options)
        if result_into is not None:
            self.result_into = result_into
        if immutable is not None:
            self.immutable = bool(immutable)
        return self

    def clone(self, kwargs=None, **options):
        """A copy, with `kwargs` merged into its input and `options` set."""
        twin = copy.copy(self)
        twin.kwargs = {**self.kwargs, **(kwargs or {})}
        twin.options = dict(self.options)
        twin._links = list(self._links)
        return twin.set(**options)

    def s(self, *args, **kwargs):
        """A mutable copy with these input fields: it receives the upstream value into `result_into`.

        `result_into=` may be given here too (it is not an input field of any task).
        """
        _refuse_args(args)
        result_into = kwargs.pop("result_into", None)
        return self.clone(kwargs, immutable=False, result_into=result_into)

    def si(self, *args, **kwargs):
        """An immutable copy with these input fields: it ignores the upstream value."""
        _refuse_args(args)
        return self.clone(kwargs, immutable=True)

    def map(self, items, into):
        """One of this task per item, with `input[into] = item`: a group whose value is the list, in order."""
        return xmap(self, items, into)

    def _find_client(self):
        return self._client

    def _node(self, upstream, path):
        node = {"type": self.name, "input": _camel_keys(self.kwargs)}
        for name, key in NODE_OPTIONS.items():
            value = self.options.get(name)
            if value is None:
                continue
            if name == "priority":
                value = _priority(value)
            elif name == "time_limits":
                value = _camel_keys(value)
            elif name == "tags":
                value = dict(value)
            node[key] = value
        if upstream and not self.immutable:
            if not self.result_into:
                raise ValueError(
                    f"{path} ({self.name}) receives the upstream value but has no result_into: "
                    f"name the input field that takes it (signature(..., result_into='field') or "
                    f".set(result_into='field')), or use .si() to ignore it"
                )
            node["resultInto"] = _camel(self.result_into)
        return node

    def _json(self, upstream, path):
        return self._node(upstream, path)

    # -- a plain task ---------------------------------------------------------------

    def apply_async(self, args=None, kwargs=None, client=None, **options):
        """Submits the task, as Celery's `sig.apply_async(args, kwargs, **options)`.

        Without link / link_error it is a plain task (`Client.send_task`,
        returns an AsyncResult; options: queue, priority, countdown, eta,
        expires, task_id). With them it is a workflow (returns a
        WorkflowResult; options: those of `Canvas.apply_async`).
        """
        _refuse_args(args)
        merged = self.clone(kwargs) if kwargs else self
        if self._links or self._errback is not None:
            return Canvas.apply_async(merged, client=client, **options)
        for name in options:
            if name not in SEND_TASK_OPTIONS and name != "priority":
                raise TypeError(f"{self.name}.apply_async: unknown option {name!r}")
        workflow_only = [name for name in ("max_attempts", "time_limits", "tags", "id") if name in self.options]
        if workflow_only:
            raise ValueError(
                f"{self.name}: {', '.join(workflow_only)} apply to workflow nodes; a plain task takes "
                f"queue, priority, countdown, eta, expires, task_id (or submit it as chain({self.name}))"
            )
        send = {name: self.options[name] for name in (*SEND_TASK_OPTIONS, "priority") if name in self.options}
        send.update(options)
        if isinstance(send.get("priority"), str):
            send["priority"] = {"high": 9, "normal": 5, "low": 0}[_priority(send["priority"])]
        client = client or self._client or _default_client()
        return client.send_task(self.name, kwargs=merged.kwargs, **send)

    def delay(self, *args, **kwargs):
        """`apply_async(kwargs=kwargs)`, as Celery's."""
        _refuse_args(args)
        return self.apply_async(kwargs=kwargs)

    def __call__(self, *args, **kwargs):
        raise ClawTasksError(f"{self.name}: tasks run on the workers; use .delay() or .apply_async()")

    def __repr__(self):
        kwargs = ", ".join(f"{key}={value!r}" for key, value in self.kwargs.items())
        mark = "si" if self.immutable else "s"
        into = f" -> {self.result_into}" if self.result_into and not self.immutable else ""
        return f"<{self.name}.{mark}({kwargs}){into}>"


def signature(name, kwargs=None, result_into=None, client=None, **options):
    """A task signature, as Celery's `signature(name, kwargs=..., **options)`; see Signature.

    A Signature passes through unchanged (with `options` set), as in Celery.
    """
    if isinstance(name, Signature):
        return name.clone(kwargs, **options) if (kwargs or options) else name
    if isinstance(name, dict):
        return Signature.from_dict(name)
    return Signature(name, kwargs, result_into=result_into, client=client, **options)


class chain(Canvas):  # noqa: N801 - Celery's name
    """Each member starts when the one before it has ended; its value is the last member's."""

    def __init__(self, *tasks):
        super().__init__()
        self.tasks = []
        for task in _members(tasks, "chain"):
            # A chain in a chain is the same chain (as Celery flattens them), unless it carries links.
            if isinstance(task, chain) and not task._links and task._errback is None:
                self.tasks.extend(task.tasks)
            else:
                self.tasks.append(task)
        if not self.tasks:
            raise ValueError("chain: at least one task")

    def __or__(self, other):
        return chain(self, _as_canvas(other, "|"))

    def _find_client(self):
        return self._client or next((c for c in (t._find_client() for t in self.tasks) if c), None)

    def _json(self, upstream, path):
        members = []
        for index, task in enumerate(self.tasks):
            members.append(self._child(task, upstream if index == 0 else True, f"{path}.chain[{index}]"))
        return {"chain": members}


class group(Canvas):  # noqa: N801 - Celery's name
    """Its members run at once; its value is the list of their values, in order."""

    def __init__(self, *tasks):
        super().__init__()
        self.tasks = _members(tasks, "group")
        if not self.tasks:
            raise ValueError("group: at least one task")

    def __or__(self, other):
        """`group | body` is a chord, as in Celery."""
        return chord(self, _as_canvas(other, "|"))

    def _find_client(self):
        return self._client or next((c for c in (t._find_client() for t in self.tasks) if c), None)

    def _json(self, upstream, path):
        return {
            "group": [self._child(task, upstream, f"{path}.group[{index}]") for index, task in enumerate(self.tasks)]
        }


class chord(Canvas):  # noqa: N801 - Celery's name
    """The body starts once every header member has ended, and receives their values as a list.

    `chord(header, body)` builds it; `chord(header)(body)` submits it at once and
    returns the WorkflowResult, as Celery's does.
    """

    def __init__(self, header, body=None):
        super().__init__()
        self.header = header.tasks if isinstance(header, group) else _members((header,), "chord header")
        if not self.header:
            raise ValueError("chord: the header needs at least one task")
        self.body = None if body is None else _as_canvas(body, "chord body")

    def __call__(self, body=None, **options):
        """Celery's `chord(header)(callback)`: submits the chord and returns its WorkflowResult."""
        made = self if body is None else chord(self.header, body)
        made._links, made._errback, made._client = list(self._links), self._errback, self._client
        return made.apply_async(**options)

    def __or__(self, other):
        other = _as_canvas(other, "|")
        if self.body is None:
            return chord(self.header, other)
        return chain(self, other)

    def _find_client(self):
        canvases = [*self.header, *([self.body] if self.body is not None else [])]
        return self._client or next((c for c in (t._find_client() for t in canvases) if c), None)

    def _json(self, upstream, path):
        if self.body is None:
            raise ValueError(f"{path}: the chord has no body (chord(header, body) or chord(header)(body))")
        header = [
            self._child(task, upstream, f"{path}.chord.header[{index}]") for index, task in enumerate(self.header)
        ]
        return {"chord": {"header": header, "body": self._child(self.body, True, f"{path}.chord.body")}}


class xmap(Canvas):  # noqa: N801 - Celery's name
    """One `task` per item, with `input[into] = item`; its value is the list of their values, in item order."""

    def __init__(self, task, items, into):
        super().__init__()
        task = _as_canvas(task, "map")
        if not isinstance(task, Signature) or task._links or task._errback:
            raise ValueError("map: the task is one signature (no link / link_error)")
        if not isinstance(into, str) or not into:
            raise ValueError("map: into= names the input field each item goes to")
        self.task = task
        self.items = list(items)
        self.into = into

    def _find_client(self):
        return self._client or self.task._find_client()

    def _json(self, upstream, path):
        return {
            "map": {
                "items": self.items,
                "task": self.task._node(upstream, f"{path}.map.task"),
                "itemInto": _camel(self.into),
            }
        }
