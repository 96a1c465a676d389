"""An httpx transport that injects network faults between a client and a real server, for convergence tests.

    plan = FaultPlan.seeded(7, drop=0.05, lose_response=0.05, duplicate=0.05, delay=0.1,
                            server_error=0.05, expire_token=0.05, sse_disconnect=0.3)
    transport = FaultyTransport(httpx.HTTPTransport(), plan)       # or httpx.AsyncHTTPTransport()
    client = httpx.Client(base_url=url, transport=transport)
    ...
    with transport.paused():                                       # the faults stop; syncing settles
        ...
    assert set(transport.fired) == set(Fault)

A plan is either random (a seeded `random.Random` and a probability per fault, at most one fault per
request) or a script (a queue of faults for calls and one for event streams, `None` meaning "let this
one through"), or both: the script first, then chance. Event streams (`GET …/sync/events`) draw from
their own queue and their own random stream, so a listener that reconnects at unpredictable moments
never shifts which calls get which fault.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

import httpx

EVENTS_PATH_SUFFIX = "/sync/events"


class Fault(StrEnum):
    DROP = "drop"  # ConnectError; the server never sees the request
    LOSE_RESPONSE = "lose_response"  # the server answers (and committed), then ReadError
    DUPLICATE = "duplicate"  # sent twice; the second answer is returned
    DELAY = "delay"  # a bounded sleep before sending (or before answering), so requests reorder
    SERVER_ERROR = "server_error"  # 503 in the protocol's error shape, before or after the server saw it
    EXPIRE_TOKEN = "expire_token"  # 401 token_expired without sending, as if the access token had expired
    SSE_DISCONNECT = "sse_disconnect"  # the event stream ends after some events or bytes


RequestKind = Literal["call", "stream"]

APPLICABLE: dict[RequestKind, frozenset[Fault]] = {
    "call": frozenset(
        {Fault.DROP, Fault.LOSE_RESPONSE, Fault.DUPLICATE, Fault.DELAY, Fault.SERVER_ERROR, Fault.EXPIRE_TOKEN}
    ),
    "stream": frozenset({Fault.DROP, Fault.DELAY, Fault.SERVER_ERROR, Fault.EXPIRE_TOKEN, Fault.SSE_DISCONNECT}),
}


@dataclass(frozen=True)
class Injection:
    """One fault with its parameters; `None` parameters get the plan's defaults (random plans draw them)."""

    fault: Fault
    delay_s: float | None = None  # DELAY: how long
    after_forward: bool | None = None  # SERVER_ERROR: the server saw it first; DELAY: hold the answer, not the request
    after_events: int | None = None  # SSE_DISCONNECT: complete events let through before the cut
    after_bytes: int | None = None  # SSE_DISCONNECT: bytes let through before the cut (wins over after_events)
    abrupt: bool | None = None  # SSE_DISCONNECT: RemoteProtocolError instead of a clean end of stream


Step = Injection | Fault | str | None


def _as_injection(step: Step) -> Injection | None:
    if step is None or isinstance(step, Injection):
        return step
    return Injection(Fault(step))


class FaultPlan:
    """Which request gets which fault. Thread-safe; deterministic for a given order of requests."""

    def __init__(
        self,
        rng: random.Random | None = None,
        probabilities: Mapping[Fault | str, float] | None = None,
        *,
        stream_probabilities: Mapping[Fault | str, float] | None = None,
        calls: Iterable[Step] = (),
        events: Iterable[Step] = (),
        max_delay_s: float = 0.05,
        max_events_before_cut: int = 3,
        applies_to: Callable[[httpx.Request], bool] | None = None,
    ) -> None:
        common = {Fault(name): float(p) for name, p in (probabilities or {}).items()}
        streams = {Fault(name): float(p) for name, p in (stream_probabilities or {}).items()}
        if any(f not in APPLICABLE["stream"] for f in streams):
            raise ValueError(f"stream_probabilities may only name {sorted(APPLICABLE['stream'])}")
        # Calls and streams roll separately; the common mapping serves both, unless streams have their own.
        self.chances: dict[RequestKind, dict[Fault, float]] = {
            "call": {f: p for f, p in common.items() if f in APPLICABLE["call"]},
            "stream": streams
            if stream_probabilities is not None
            else {f: p for f, p in common.items() if f in APPLICABLE["stream"]},
        }
        for kind, chances in self.chances.items():
            if any(not 0.0 <= p <= 1.0 for p in chances.values()) or sum(chances.values()) > 1.0 + 1e-9:
                raise ValueError(f"probabilities of the faults of a {kind} must each be in [0, 1] and sum to at most 1")
        if (common or streams) and rng is None:
            raise ValueError("probabilities need a random.Random to draw with")
        self.max_delay_s = max_delay_s
        self.max_events_before_cut = max_events_before_cut
        self.applies_to = applies_to
        self._rngs: dict[RequestKind, random.Random] | None = None
        if rng is not None:
            # Streams get their own generator, so a reconnecting listener never shifts the calls' faults.
            self._rngs = {"call": rng, "stream": random.Random(rng.getrandbits(64))}
        self._queues: dict[RequestKind, deque[Injection | None]] = {
            "call": deque(_as_injection(s) for s in calls),
            "stream": deque(_as_injection(s) for s in events),
        }
        for kind, queue in self._queues.items():
            for step in queue:
                if step is not None and step.fault not in APPLICABLE[kind]:
                    raise ValueError(f"{step.fault} cannot happen to a {kind}")
        self._lock = threading.Lock()

    @classmethod
    def seeded(cls, seed: int | str, **probabilities: float) -> FaultPlan:
        return cls(random.Random(seed), probabilities)

    @classmethod
    def script(cls, calls: Iterable[Step] = (), events: Iterable[Step] = (), *, max_delay_s: float = 0.05) -> FaultPlan:
        return cls(calls=calls, events=events, max_delay_s=max_delay_s)

    @property
    def remaining(self) -> int:
        """Scripted steps not taken yet."""
        with self._lock:
            return sum(len(q) for q in self._queues.values())

    def next(self, request: httpx.Request, kind: RequestKind) -> Injection | None:
        """The fault for this request, if any. A scripted fault that cannot apply to it waits for one it can."""
        if self.applies_to is not None and not self.applies_to(request):
            return None
        with self._lock:
            queue = self._queues[kind]
            if queue:
                step = queue[0]
                if step is not None and not _can_apply(step.fault, request):
                    return None
                queue.popleft()
                return None if step is None else self._scripted_defaults(step)
            if self._rngs is None:
                return None
            return self._draw(self._rngs[kind], request, kind)

    def _scripted_defaults(self, step: Injection) -> Injection:
        return replace(
            step,
            delay_s=self.max_delay_s if step.delay_s is None else step.delay_s,
            after_forward=bool(step.after_forward),
            after_events=0 if step.after_events is None else step.after_events,
            abrupt=bool(step.abrupt),
        )

    def _draw(self, rng: random.Random, request: httpx.Request, kind: RequestKind) -> Injection | None:
        roll = rng.random()  # one roll per request, whatever happens next, so plans stay aligned
        chosen = None
        for fault in Fault:  # a fixed order: the enum's
            if fault in APPLICABLE[kind] and (p := self.chances[kind].get(fault, 0.0)):
                if roll < p:
                    chosen = fault
                    break
                roll -= p
        # Draw every parameter every time, for the same reason.
        delay_s = rng.uniform(0.0, self.max_delay_s)
        after_forward = rng.random() < 0.5
        after_events = rng.randint(0, self.max_events_before_cut)
        abrupt = rng.random() < 0.5
        if chosen is None or not _can_apply(chosen, request):
            return None
        return Injection(chosen, delay_s=delay_s, after_forward=after_forward, after_events=after_events, abrupt=abrupt)


def _is_event_stream(request: httpx.Request) -> bool:
    return request.method == "GET" and request.url.path.endswith(EVENTS_PATH_SUFFIX)


def _has_bearer(request: httpx.Request) -> bool:
    return request.headers.get("authorization", "")[:7].lower() == "bearer " or "access_token" in request.url.params


def _can_apply(fault: Fault, request: httpx.Request) -> bool:
    return fault is not Fault.EXPIRE_TOKEN or _has_bearer(request)


def _error(request: httpx.Request, status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}}, request=request)


def _service_unavailable(request: httpx.Request) -> httpx.Response:
    return _error(request, 503, "service_unavailable", "The server is unavailable (injected fault); try again.")


def _token_expired(request: httpx.Request) -> httpx.Response:
    return _error(request, 401, "token_expired", "The access token expired; refresh it.")


class _Cut:
    """Where to cut a stream: after so many bytes, or after so many complete events (a blank line ends one)."""

    def __init__(self, injection: Injection) -> None:
        self.bytes_left = injection.after_bytes
        self.events_left = injection.after_events or 0
        self._newline_pending = False  # the last chunk ended in a newline that may start an event's end

    @property
    def now(self) -> bool:
        return self.bytes_left == 0 if self.bytes_left is not None else self.events_left == 0

    def take(self, chunk: bytes) -> tuple[bytes, bool]:
        """The part of `chunk` to pass on, and whether to cut after it."""
        if self.bytes_left is not None:
            piece = chunk[: self.bytes_left]
            self.bytes_left -= len(piece)
            return piece, self.bytes_left == 0
        start = 0
        if self._newline_pending and chunk.startswith(b"\n"):
            self.events_left -= 1
            start = 1
            if self.events_left == 0:
                return chunk[:1], True
        while (found := chunk.find(b"\n\n", start)) >= 0:
            start = found + 2
            self.events_left -= 1
            if self.events_left == 0:
                return chunk[:start], True
        self._newline_pending = chunk.endswith(b"\n") and start < len(chunk)
        return chunk, False


class _CutStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, cut: _Cut, on_cut: Callable[[], None], abrupt: bool) -> None:
        self._inner, self._cut, self._on_cut, self._abrupt = inner, cut, on_cut, abrupt

    def __iter__(self) -> Iterator[bytes]:
        if not self._cut.now:
            for chunk in self._inner:
                piece, stop = self._cut.take(chunk)
                if piece:
                    yield piece
                if stop:
                    break
            else:
                return  # the server ended it first: no fault
        self._inner.close()
        self._on_cut()
        if self._abrupt:
            raise httpx.RemoteProtocolError("injected fault: the event stream was cut")

    def close(self) -> None:
        self._inner.close()


class _AsyncCutStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, cut: _Cut, on_cut: Callable[[], None], abrupt: bool) -> None:
        self._inner, self._cut, self._on_cut, self._abrupt = inner, cut, on_cut, abrupt

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if not self._cut.now:
            stopped = False
            async for chunk in self._inner:
                piece, stopped = self._cut.take(chunk)
                if piece:
                    yield piece
                if stopped:
                    break
            if not stopped:
                return
        await self._inner.aclose()
        self._on_cut()
        if self._abrupt:
            raise httpx.RemoteProtocolError("injected fault: the event stream was cut")

    async def aclose(self) -> None:
        await self._inner.aclose()


class FaultyTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Wraps a real transport (sync or async) and injects the faults `plan` picks.

    `fired` counts every fault that took effect (an SSE cut counts when it happens, not when it is
    planned); `history` lists `(method, path, fault or None)` for every request decided while enabled.
    """

    def __init__(self, inner: httpx.BaseTransport | httpx.AsyncBaseTransport, plan: FaultPlan) -> None:
        self.inner = inner
        self.plan = plan
        self.enabled = True
        self.fired: Counter[Fault] = Counter()
        self.history: list[tuple[str, str, Fault | None]] = []
        self._lock = threading.Lock()

    # --- switching faults off and on ---------------------------------------------------------------

    def pause(self) -> None:
        """No more faults (the plan does not advance) until `resume()`."""
        self.enabled = False

    def resume(self) -> None:
        self.enabled = True

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        previous, self.enabled = self.enabled, False
        try:
            yield
        finally:
            self.enabled = previous

    # --- bookkeeping -------------------------------------------------------------------------------

    def _decide(self, request: httpx.Request) -> Injection | None:
        if not self.enabled:
            return None
        injection = self.plan.next(request, "stream" if _is_event_stream(request) else "call")
        with self._lock:
            self.history.append((request.method, request.url.path, injection.fault if injection else None))
        return injection

    def _fire(self, fault: Fault) -> None:
        with self._lock:
            self.fired[fault] += 1

    def _lost(self, request: httpx.Request) -> httpx.ReadError:
        self._fire(Fault.LOSE_RESPONSE)
        return httpx.ReadError("injected fault: the response was lost after the server answered", request=request)

    def _dropped(self, request: httpx.Request) -> httpx.ConnectError:
        self._fire(Fault.DROP)
        return httpx.ConnectError("injected fault: the request was dropped before reaching the server", request=request)

    def _answer(self, fault: Fault, response: httpx.Response) -> httpx.Response:
        self._fire(fault)
        return response

    # --- sync --------------------------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(self.inner, httpx.BaseTransport):
            raise TypeError("this FaultyTransport wraps an async transport; use it with httpx.AsyncClient")
        inner = self.inner
        injection = self._decide(request)
        fault = injection.fault if injection else None
        if injection is None:
            return inner.handle_request(request)
        if fault is Fault.DROP:
            raise self._dropped(request)
        if fault is Fault.EXPIRE_TOKEN:
            return self._answer(fault, _token_expired(request))
        if fault is Fault.SERVER_ERROR and not injection.after_forward:
            return self._answer(fault, _service_unavailable(request))
        if fault is Fault.DELAY and not injection.after_forward:
            time.sleep(injection.delay_s or 0.0)
            self._fire(fault)
            return inner.handle_request(request)
        if fault is Fault.DUPLICATE:
            request.read()  # the body must be replayable
            _discard(inner.handle_request(request))
            return self._answer(fault, inner.handle_request(request))

        response = inner.handle_request(request)
        if fault is Fault.LOSE_RESPONSE:
            _discard(response)
            raise self._lost(request)
        if fault is Fault.SERVER_ERROR:
            _discard(response, stream=_is_event_stream(request))
            return self._answer(fault, _service_unavailable(request))
        if fault is Fault.DELAY:
            time.sleep(injection.delay_s or 0.0)
            return self._answer(fault, response)
        if fault is Fault.SSE_DISCONNECT and response.status_code == 200:
            assert isinstance(response.stream, httpx.SyncByteStream)
            stream = _CutStream(
                response.stream, _Cut(injection), lambda: self._fire(Fault.SSE_DISCONNECT), bool(injection.abrupt)
            )
            return _with_stream(response, stream)
        return response

    def close(self) -> None:
        if isinstance(self.inner, httpx.BaseTransport):
            self.inner.close()

    # --- async -------------------------------------------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(self.inner, httpx.AsyncBaseTransport):
            raise TypeError("this FaultyTransport wraps a sync transport; use it with httpx.Client")
        inner = self.inner
        injection = self._decide(request)
        fault = injection.fault if injection else None
        if injection is None:
            return await inner.handle_async_request(request)
        if fault is Fault.DROP:
            raise self._dropped(request)
        if fault is Fault.EXPIRE_TOKEN:
            return self._answer(fault, _token_expired(request))
        if fault is Fault.SERVER_ERROR and not injection.after_forward:
            return self._answer(fault, _service_unavailable(request))
        if fault is Fault.DELAY and not injection.after_forward:
            await asyncio.sleep(injection.delay_s or 0.0)
            self._fire(fault)
            return await inner.handle_async_request(request)
        if fault is Fault.DUPLICATE:
            await request.aread()
            await _adiscard(await inner.handle_async_request(request))
            return self._answer(fault, await inner.handle_async_request(request))

        response = await inner.handle_async_request(request)
        if fault is Fault.LOSE_RESPONSE:
            await _adiscard(response)
            raise self._lost(request)
        if fault is Fault.SERVER_ERROR:
            await _adiscard(response, stream=_is_event_stream(request))
            return self._answer(fault, _service_unavailable(request))
        if fault is Fault.DELAY:
            await asyncio.sleep(injection.delay_s or 0.0)
            return self._answer(fault, response)
        if fault is Fault.SSE_DISCONNECT and response.status_code == 200:
            assert isinstance(response.stream, httpx.AsyncByteStream)
            stream = _AsyncCutStream(
                response.stream, _Cut(injection), lambda: self._fire(Fault.SSE_DISCONNECT), bool(injection.abrupt)
            )
            return _with_stream(response, stream)
        return response

    async def aclose(self) -> None:
        if isinstance(self.inner, httpx.AsyncBaseTransport):
            await self.inner.aclose()


def _with_stream(response: httpx.Response, stream: httpx.SyncByteStream | httpx.AsyncByteStream) -> httpx.Response:
    return httpx.Response(response.status_code, headers=response.headers, stream=stream, extensions=response.extensions)


def _discard(response: httpx.Response, *, stream: bool = False) -> None:
    """Throws an answer away; an event stream is closed unread, as it would never end."""
    try:
        if not stream:
            response.read()
    finally:
        response.close()


async def _adiscard(response: httpx.Response, *, stream: bool = False) -> None:
    try:
        if not stream:
            await response.aread()
    finally:
        await response.aclose()
