"""Streaming chat clients with sessions, each keeping its own log of what it sent and what the platform
acknowledged, and what every failure looked like to it.

One client owns one session and sends one turn at a time. A turn has its own `Idempotency-Key`; when it fails in a way
that leaves its fate open (a transport error, a 5xx, an SSE error event) the client retries it with the same key, as
the gateway's documentation tells a client to, until it is acknowledged or the client gives it up.
"""
import http.client
import json
import random
import threading
import time

# Status and code pairs the gateway documents (gateway-service/README.md, "Errors"); an SSE error event carries the
# same codes. Anything else a client sees (another status, a 5xx without this JSON, a stream cut without an error
# event) is undocumented.
DOCUMENTED = {
    (400, "invalid_request"), (400, "context_length_exceeded"), (409, "session_conflict"),
    (422, "session_full"), (429, "rate_limit_exceeded"), (429, "overloaded"),
    (503, "service_unavailable"), (504, "timeout"),
}
DOCUMENTED_STREAM_CODES = {code for _, code in DOCUMENTED}

PROMPTS = ["What is {a} plus {b}?", "Subtract {b} from {a}.", "Hi, I'm {name}.", "I live in {city}.", "Who am I?",
           "Where do I live?", "What is {a} minus {b}?"]
NAMES = ["Maribel", "Tomas", "Aiko", "Femi", "Lena", "Ravi", "Sofia", "Kwame"]
CITIES = ["Lisbon", "Osaka", "Lagos", "Quito", "Oslo", "Pune", "Leeds", "Hanoi"]


class Outcome:
    """What one attempt of a turn ended with."""

    __slots__ = ("t", "ok", "status", "code", "kind", "session_turn", "retry_after", "ttft", "gaps", "tokens", "text",
                 "duration")

    def __init__(self, t, ok=False, status=None, code=None, kind=None, session_turn=None, retry_after=None):
        self.t = t  # monotonic time the attempt ended
        self.ok, self.status, self.code, self.kind = ok, status, code, kind
        self.session_turn, self.retry_after = session_turn, retry_after
        self.ttft, self.gaps, self.tokens, self.text, self.duration = None, [], 0, "", None

    @property
    def label(self):
        """How a report names it: `200`, `503 service_unavailable`, `stream service_unavailable`, `transport …`."""
        if self.ok:
            return "200"
        if self.kind == "stream":
            return f"stream {self.code}"
        if self.kind == "transport":
            return f"transport {self.code}"
        return f"{self.status} {self.code}"

    @property
    def documented(self):
        if self.ok:
            return True
        if self.kind == "stream":
            return self.code in DOCUMENTED_STREAM_CODES
        if self.kind == "http":
            return (self.status, self.code) in DOCUMENTED
        return False  # transport: judged by the fault that was running (only the gateway's own may cause one)


class Turn:
    """One turn of a client's session: what it sent, every attempt, and whether it was acknowledged."""

    def __init__(self, key, user):
        self.key = key
        self.user = user
        self.attempts = []
        self.answer = None  # the acknowledged assistant text

    @property
    def acknowledged(self):
        return self.answer is not None


def parse_sse(lines):
    """`data:` payloads of an SSE stream, given its lines (bytes); stops at `[DONE]` (which it yields too)."""
    for raw in lines:
        line = raw.decode("utf-8").rstrip("\r\n")
        if line.startswith("data:"):
            payload = line[5:].strip()
            yield payload
            if payload == "[DONE]":
                return


def read_stream(payloads, start, now=time.monotonic):
    """Reads a chat completion stream: the outcome with its text, TTFT, gaps between content chunks and token count.
    A stream is acknowledged only when it ends with a finish_reason, no error event, and `[DONE]`."""
    text, first, last, gaps, tokens, finish, error, done = [], None, None, [], 0, None, None, False
    for payload in payloads:
        if payload == "[DONE]":
            done = True
            break
        chunk = json.loads(payload)
        if "error" in chunk:
            error = chunk["error"]
            continue
        if chunk.get("usage"):
            tokens = chunk["usage"].get("completion_tokens", 0)
        for choice in chunk.get("choices", []):
            content = choice.get("delta", {}).get("content")
            if content:
                t = now()
                if first is None:
                    first = t
                else:
                    gaps.append(t - last)
                last = t
                text.append(content)
            if choice.get("finish_reason"):
                finish = choice["finish_reason"]
    end = now()
    if error is not None:
        o = Outcome(end, kind="stream", code=error.get("code"), session_turn=error.get("session_turn"))
    elif not done or finish is None:
        o = Outcome(end, kind="transport", code="stream_cut")
    else:
        o = Outcome(end, ok=True, status=200)
    o.text = "".join(text)
    o.ttft = None if first is None else first - start
    o.gaps, o.tokens = gaps, tokens
    return o


class Gateway:
    """The gateway's public API over plain HTTP/1.1."""

    def __init__(self, url, key, model, timeout_s=30.0):
        host, port = url.split("//")[1].split(":")
        self.host, self.port, self.key, self.model, self.timeout_s = host, int(port), key, model, timeout_s

    def _conn(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)

    def call(self, method, path, body=None, headers=None):
        """A JSON call: (status, headers, parsed body or None)."""
        conn = self._conn()
        try:
            conn.request(method, path, None if body is None else json.dumps(body),
                         {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json",
                          **(headers or {})})
            resp = conn.getresponse()
            raw = resp.read()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = None
            return resp.status, dict(resp.getheaders()), parsed
        finally:
            conn.close()

    def stream_chat(self, body, headers=None):
        """A streamed chat completion: its Outcome (never raises for what the platform or the network did)."""
        start = time.monotonic()
        outcome = self._stream_chat(start, body, headers)
        outcome.duration = outcome.t - start
        return outcome

    def _stream_chat(self, start, body, headers):
        conn = self._conn()
        try:
            conn.request("POST", "/v1/chat/completions", json.dumps(body),
                         {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json",
                          "Accept": "text/event-stream", **(headers or {})})
            resp = conn.getresponse()
            if resp.status != 200:
                raw = resp.read()
                try:
                    code = json.loads(raw)["error"]["code"]
                except (ValueError, KeyError, TypeError):
                    code = "no_error_json"
                retry_after = resp.getheader("Retry-After")
                return Outcome(time.monotonic(), status=resp.status, code=code, kind="http",
                               retry_after=retry_after)
            return read_stream(parse_sse(iter(resp.readline, b"")), start)
        except (OSError, http.client.HTTPException) as e:
            return Outcome(time.monotonic(), kind="transport", code=type(e).__name__)
        except ValueError:
            return Outcome(time.monotonic(), kind="transport", code="bad_event")
        finally:
            conn.close()


class ChatClient(threading.Thread):
    """Sends turns on its own session until told to stop; keeps every turn and attempt in `turns`."""

    def __init__(self, index, gateway, max_tokens, halt, seed, retry_limit=8):
        super().__init__(daemon=True, name=f"client-{index}")
        self.index, self.gateway, self.max_tokens, self.halt = index, gateway, max_tokens, halt
        self.rng = random.Random(seed)
        self.retry_limit = retry_limit
        self.session = None
        self.turns = []
        self.setup_error = None

    def _user_text(self, n):
        template = self.rng.choice(PROMPTS)
        text = template.format(a=self.rng.randint(10, 99), b=self.rng.randint(10, 99), name=self.rng.choice(NAMES),
                               city=self.rng.choice(CITIES))
        return f"[c{self.index} t{n}] {text}"  # unique in the whole run: the session check finds it by this text

    def create_session(self):
        for _ in range(30):
            try:
                status, _, body = self.gateway.call("POST", "/v1/sessions", {"model": self.gateway.model})
                if status == 201:
                    self.session = body["id"]
                    return
                self.setup_error = f"{status} {body}"
            except OSError as e:
                self.setup_error = repr(e)
            time.sleep(1)
        raise RuntimeError(f"client {self.index}: no session: {self.setup_error}")

    def run(self):
        n = 0
        while not self.halt.is_set():
            n += 1
            turn = Turn(f"rel-c{self.index}-t{n}-{self.rng.getrandbits(32):08x}", self._user_text(n))
            self.turns.append(turn)
            self.play(turn)

    def probe_once(self):
        """One turn, one attempt (a recovery probe): true when it was acknowledged."""
        turn = Turn(f"rel-probe-t{len(self.turns) + 1}-{self.rng.getrandbits(32):08x}",
                    self._user_text(len(self.turns) + 1))
        self.turns.append(turn)
        self.play(turn)
        return turn.acknowledged

    def play(self, turn):
        """Sends the turn, retrying it with its key while its fate is open; gives up after `retry_limit` attempts
        or when the run stops (the turn then stays unacknowledged: it may be stored once, never twice)."""
        body = {"model": self.gateway.model, "session_id": self.session, "stream": True, "temperature": 0.7,
                "max_tokens": self.max_tokens, "stream_options": {"include_usage": True},
                "messages": [{"role": "user", "content": turn.user}]}
        for attempt in range(self.retry_limit):
            outcome = self.gateway.stream_chat(body, {"Idempotency-Key": turn.key})
            turn.attempts.append(outcome)
            if outcome.ok:
                turn.answer = outcome.text
                return
            if outcome.kind == "http" and outcome.status in (400, 422):
                return  # refused for good: retrying the same request cannot help
            if attempt + 1 == self.retry_limit or (self.halt.is_set() and attempt > 0):
                return
            wait = 0.5 * (2 ** min(attempt, 3))
            if outcome.retry_after:
                try:
                    wait = max(wait, float(outcome.retry_after))
                except ValueError:
                    pass
            self.halt.wait(min(wait, 8.0))


def run_rate_limited(gateway, clients, seconds, max_tokens=4):
    """Clients that send plain streamed chats (no session) as fast as they can on a key with a low requests-per-minute
    limit, for `seconds`. Returns every Outcome, with the 429s' Retry-After."""
    outcomes, lock, halt = [], threading.Lock(), threading.Event()

    def loop():
        while not halt.is_set():
            o = gateway.stream_chat({"model": gateway.model, "stream": True, "max_tokens": max_tokens,
                                     "messages": [{"role": "user", "content": "What is 12 plus 30?"}]})
            with lock:
                outcomes.append(o)
            halt.wait(0.05)

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    halt.set()
    for t in threads:
        t.join(60)
    return outcomes
