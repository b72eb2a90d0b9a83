"""One streamed completion over a kept-alive http.client connection, timed event by event.

A `Sample` is what one request looked like to the client: when it was sent, when each content chunk arrived, how it
ended. Times are `time.perf_counter()` seconds.
"""
import http.client
import json
import time
import urllib.parse
from dataclasses import dataclass, field


@dataclass
class Sample:
    start: float  # request about to be sent
    end: float = 0.0  # stream (or error answer) read to its end
    status: int = 0  # HTTP status; 0 when no answer came
    error: str | None = None  # None when it succeeded, else its key in `errors` (see error_key)
    chunk_times: list = field(default_factory=list)  # arrival of each chunk that carried output
    prompt_tokens: int | None = None  # usage.prompt_tokens
    completion_tokens: int | None = None  # usage.completion_tokens
    text: str = ""  # the output, for a conversation's next turn
    error_body: str = ""  # an error answer's body (first 2 KB)

    @property
    def ok(self):
        return self.error is None

    @property
    def ttft(self):
        """Seconds from sending to the first chunk with output; None without one."""
        return self.chunk_times[0] - self.start if self.chunk_times else None

    @property
    def output_tokens(self):
        """usage.completion_tokens when the server sent it, else the number of chunks with output."""
        return self.completion_tokens if self.completion_tokens is not None else len(self.chunk_times)


def error_key(status=None, sse_code=None, transport=None):
    """How `errors` names a failure: the HTTP status ("429"), an error event inside a 200 stream ("sse:timeout"),
    a connection that failed ("transport:ConnectionResetError"), or a stream cut without [DONE] ("incomplete")."""
    if status is not None:
        return str(status)
    if sse_code is not None:
        return f"sse:{sse_code}"
    if transport is not None:
        return f"transport:{transport}"
    return "incomplete"


class Endpoint:
    """An OpenAI-compatible server: `url` is its address (http://host:port), a trailing /v1 accepted."""

    def __init__(self, url, api_key=None, timeout=120.0):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url}")
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        path = parts.path.rstrip("/")
        self.prefix = path[: -len("/v1")] if path.endswith("/v1") else path
        self.api_key = api_key
        self.timeout = timeout

    def connect(self):
        cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        return cls(self.host, self.port, timeout=self.timeout)

    def headers(self):
        h = {"Content-Type": "application/json", "Accept": "application/json"}  # as OpenAI's SDKs send, streams too
        if self.api_key:
            h["Authorization"] = f"Bearer {self.api_key}"
        return h

    def get_json(self, path):
        conn = self.connect()
        try:
            conn.request("GET", self.prefix + path, headers=self.headers())
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                raise RuntimeError(f"GET {path}: {resp.status} {body[:300].decode(errors='replace')}")
            try:
                return json.loads(body)
            except ValueError:
                raise RuntimeError(f"GET {path}: not JSON: {body[:300].decode(errors='replace')!r}") from None
        finally:
            conn.close()


class Client:
    """One closed-loop client: one connection, kept alive, reopened after a failure."""

    def __init__(self, endpoint, now=time.perf_counter):
        self.endpoint = endpoint
        self.now = now
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def stream(self, path, body):
        """POSTs `body` (a dict; stream is set) to `path` (/v1/chat/completions or /v1/completions) and reads it."""
        body = dict(body, stream=True, stream_options={"include_usage": True})
        payload = json.dumps(body).encode()
        if self.conn is None:
            self.conn = self.endpoint.connect()
        sample = Sample(start=self.now())
        try:
            self.conn.request("POST", self.endpoint.prefix + path, body=payload, headers=self.endpoint.headers())
            resp = self.conn.getresponse()
            sample.status = resp.status
            if resp.status != 200:
                sample.error_body = resp.read()[:2048].decode(errors="replace")
                sample.error = error_key(status=resp.status)
            else:
                read_stream(iter(resp.readline, b""), sample, self.now)
                resp.read()  # what follows [DONE]: the chunked body's end, so that the connection can be reused
            if resp.will_close:
                self.close()
        except (OSError, http.client.HTTPException) as e:
            sample.error = error_key(transport=type(e).__name__)
            self.close()
        sample.end = self.now()
        if sample.error is not None and sample.status == 200:
            self.close()  # a stream cut short leaves the connection unusable
        return sample


def sse_events(lines):
    """The `data` of each Server-Sent Event, given the stream's lines (bytes); multi-line data joined by \\n."""
    data = []
    for raw in lines:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if not line:
            if data:
                yield "\n".join(data)
                data = []
        elif line.startswith("data:"):
            value = line[5:]
            data.append(value[1:] if value.startswith(" ") else value)
    if data:
        yield "\n".join(data)


def read_stream(lines, sample, now):
    """Reads an OpenAI stream into `sample`: a chunk with output (delta content, reasoning or tool calls; a
    completion's text) is timed when its event arrives; an `{"error":…}` event or an end without [DONE] fails it."""
    for data in sse_events(lines):
        t = now()
        if data == "[DONE]":
            return
        try:
            event = json.loads(data)
        except ValueError:
            continue
        if "error" in event:
            err = event["error"] if isinstance(event["error"], dict) else {}
            sample.error = error_key(sse_code=err.get("code") or err.get("type") or "error")
            continue
        usage = event.get("usage")
        if usage:
            sample.prompt_tokens = usage.get("prompt_tokens")
            sample.completion_tokens = usage.get("completion_tokens")
        for choice in event.get("choices") or []:
            piece = output_of(choice)
            if piece is not None:
                sample.chunk_times.append(t)
                sample.text += piece
                break
    if sample.error is None:
        sample.error = error_key()


def output_of(choice):
    """The output a streamed choice carries (text, "" for a tool-call piece), or None when it carries none."""
    if "text" in choice:
        return choice["text"] or None
    delta = choice.get("delta") or {}
    if delta.get("content"):
        return delta["content"]
    if delta.get("reasoning_content"):
        return ""
    if delta.get("tool_calls"):
        return ""
    return None
