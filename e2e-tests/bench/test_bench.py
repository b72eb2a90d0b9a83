"""The benchmark's own checks: percentiles and figures from known timings, SSE reading, calibration, conversation
replay, and whole runs against a fake OpenAI server (stdlib http.server) that streams at known times.
Run from Maven by e2e-tests' BenchToolTest; alone: cd e2e-tests/bench && python3 -m unittest -v"""
import contextlib
import io
import json
import tempfile
import threading
import time
import unittest
import unittest.mock
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import report
import serve
from client import Endpoint, Sample, read_stream, sse_events
from workload import Conversations, calibrate

FIRST_S, GAP_S = 0.08, 0.04  # the fake server's time to its first token and between tokens


class PercentileTest(unittest.TestCase):
    def test_linear_between_the_closest_ranks_as_numpy(self):
        values = [4, 1, 3, 2]
        self.assertEqual(2.5, report.percentile(values, 50))
        self.assertAlmostEqual(3.7, report.percentile(values, 90))
        self.assertAlmostEqual(3.97, report.percentile(values, 99))
        self.assertEqual(1, report.percentile(values, 0))
        self.assertEqual(4, report.percentile(values, 100))

    def test_one_value_and_none(self):
        self.assertEqual(7, report.percentile([7], 99))
        self.assertIsNone(report.percentile([], 50))
        self.assertEqual({"p50": None, "p90": None, "p99": None, "mean": None, "n": 0}, report.distribution([]))


def sample(start, chunks, end, completion_tokens=None, error=None):
    return Sample(start=start, end=end, status=200, error=error, chunk_times=list(chunks),
                  completion_tokens=completion_tokens if completion_tokens is not None else len(chunks))


class LevelFiguresTest(unittest.TestCase):
    def test_figures_from_known_timings(self):
        samples = [
            sample(0.0, [0.1, 0.2, 0.4], 0.5),  # ttft 100 ms, gaps 100 and 200, tpot (0.5-0.1)/2 = 200 ms
            sample(0.5, [0.8, 0.9], 1.0),  # ttft 300 ms, gap 100, tpot 200 ms
            sample(1.0, [1.2], 2.0),  # one token: no tpot, no gap
            Sample(start=1.0, end=1.1, status=429, error="429"),
            sample(1.1, [1.2], 1.3, error="sse:timeout"),
        ]
        f = report.level_figures(4, samples, client_cpu_s=0.5)
        self.assertEqual(2.0, f["duration_s"])
        self.assertEqual((5, 3, 2), (f["requests"], f["completed"], f["failed"]))
        self.assertEqual(1.5, f["requests_per_s"])
        self.assertEqual(3.0, f["output_tokens_per_s"])
        self.assertEqual({"p50": 200.0, "p90": 280.0, "p99": 298.0, "mean": 200.0, "n": 3},
                         {k: round(v, 3) for k, v in f["ttft_ms"].items()})
        self.assertEqual([200.0, 200.0], [f["tpot_ms"]["p50"], f["tpot_ms"]["p99"]])
        self.assertEqual(3, f["itl_ms"]["n"])
        self.assertEqual(100.0, f["itl_ms"]["p50"])
        self.assertEqual({"429": 1, "sse:timeout": 1}, f["errors"])
        self.assertEqual(25.0, f["client_cpu_percent"])

    def test_tpot_uses_the_servers_token_count_when_chunks_hold_several(self):
        f = report.level_figures(1, [sample(0.0, [0.1, 0.5], 0.5, completion_tokens=5)])
        self.assertEqual(100.0, f["tpot_ms"]["p50"])  # (0.5 - 0.1) / 4
        self.assertEqual(5, f["output_tokens"])

    def test_the_last_line_holds_the_highest_level_and_every_level(self):
        levels = [report.level_figures(c, [sample(0.0, [0.1, 0.2], 0.3)]) for c in (4, 1)]
        line = report.summary_line(levels, {"model": "m"})
        self.assertEqual(4, line["concurrency"])
        self.assertEqual([4, 1], [f["concurrency"] for f in line["levels"]])
        for key in ("requests_per_s", "output_tokens_per_s", "ttft_ms", "tpot_ms", "itl_ms", "errors"):
            self.assertIn(key, line)
        self.assertEqual("m", line["model"])


def lines(*events):
    """A stream's lines as readline gives them: each event's data line, then its blank line."""
    return [line for e in events for line in (f"data: {e if isinstance(e, str) else json.dumps(e)}\n".encode(), b"\n")]


def content(text):
    return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}


class StreamReadingTest(unittest.TestCase):
    def read(self, raw):
        s, clock = Sample(start=0.0), iter(range(1, 100))
        read_stream(iter(raw), s, lambda: next(clock))
        return s

    def test_output_chunks_are_timed_and_usage_read(self):
        s = self.read(lines({"choices": [{"index": 0, "delta": {"role": "assistant"}}]}, content("He"),
                            content("llo"), {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
                            {"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 2}}, "[DONE]"))
        self.assertTrue(s.ok)
        self.assertEqual("Hello", s.text)
        self.assertEqual([2, 3], s.chunk_times)  # the role chunk carries no output
        self.assertEqual((9, 2), (s.prompt_tokens, s.output_tokens))

    def test_an_error_event_fails_the_request_by_its_code(self):
        s = self.read(lines(content("a"), {"error": {"message": "x", "code": "timeout"}}, "[DONE]"))
        self.assertEqual("sse:timeout", s.error)

    def test_a_stream_without_done_is_incomplete(self):
        self.assertEqual("incomplete", self.read(lines(content("a"))).error)

    def test_multi_line_data_and_completions_text(self):
        raw = [b'data: {"choices":[{"index":0,\n', b'data: "text":"hi"}]}\n', b"\n", b"data: [DONE]\n", b"\n"]
        self.assertEqual(["{\"choices\":[{\"index\":0,\n\"text\":\"hi\"}]}", "[DONE]"], list(sse_events(raw)))
        self.assertEqual("hi", self.read(raw).text)


class CalibrationTest(unittest.TestCase):
    def test_finds_the_words_for_the_target_tokens(self):
        def prompt_tokens_of(words):  # a template of 23 tokens, 1.7 tokens a word
            return 23 + int(1.7 * words)

        words, measured = calibrate(prompt_tokens_of, 300)
        self.assertLessEqual(abs(prompt_tokens_of(words) - 300), 2)
        self.assertEqual(6, len(measured))


class ConversationsTest(unittest.TestCase):
    def write(self, *conversations):
        f = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False)
        for c in conversations:
            f.write(json.dumps({"messages": c}) + "\n")
        f.close()
        self.addCleanup(Path(f.name).unlink)
        return f.name

    def test_turns_replayed_with_the_recorded_answers_else_the_models(self):
        sys_msg, u1, a1, u2, u3 = ({"role": "system", "content": "s"}, {"role": "user", "content": "u1"},
                                   {"role": "assistant", "content": "recorded"}, {"role": "user", "content": "u2"},
                                   {"role": "user", "content": "u3"})
        conversations = Conversations(self.write([sys_msg, u1, a1, u2], [u3]))
        self.assertEqual(3, conversations.turns)
        c = conversations.conversation(None)
        self.assertEqual([sys_msg, u1], next(c))
        self.assertEqual([sys_msg, u1, a1, u2], c.send("model answer"))
        with self.assertRaises(StopIteration):
            c.send("last")
        second = conversations.conversation(None)
        self.assertEqual([u3], next(second))
        third = conversations.conversation(None)  # the file again from its top
        self.assertEqual([sys_msg, u1], next(third))
        with self.assertRaises(StopIteration):
            third.send(None)  # a failed turn ends the conversation

    def test_the_models_answer_is_the_history_where_the_file_has_none(self):
        u1, u2 = {"role": "user", "content": "u1"}, {"role": "user", "content": "u2"}
        c = Conversations(self.write([u1, u2])).conversation(None)
        next(c)
        self.assertEqual([u1, {"role": "assistant", "content": "mine"}, u2], c.send("mine"))

    def test_a_line_without_messages_is_refused_with_its_number(self):
        path = self.write([{"role": "user", "content": "x"}])
        with open(path, "a") as f:
            f.write('{"prompt": "x"}\n')
        with self.assertRaisesRegex(ValueError, r":2: "):
            Conversations(path)


class FakeServer:
    """An OpenAI-like server: /v1/models lists fake-model; a POST (chat or completions) streams `tokens` chunks, the
    first after FIRST_S, then one every GAP_S, then usage (prompt_tokens = 7 + words of the last message) and [DONE];
    refuses ignore_eos (a server without that vLLM extension); every `fail_every`-th request fails, alternately 429 and an error
    event mid-stream. Keeps the messages it got."""

    def __init__(self, tokens=3, fail_every=0):
        self.tokens, self.fail_every = tokens, fail_every
        self.count, self.received, self.lock = 0, [], threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                self.answer(200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.count += 1
                    n = server.count
                    server.received.append(body)
                if self.headers.get("Authorization") != "Bearer k":
                    return self.answer(401, {"error": {"code": "invalid_api_key"}})
                if "ignore_eos" in body:
                    return self.answer(400, {"error": {"code": "unsupported_parameter", "param": "ignore_eos"}})
                failing = server.fail_every and n % server.fail_every == 0
                if failing and (n // server.fail_every) % 2 == 1:
                    return self.answer(429, {"error": {"code": "rate_limit_exceeded"}})
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chat = "messages" in body
                words = len((body["messages"][-1]["content"] if chat else body["prompt"]).split())
                tokens = min(server.tokens, body["max_tokens"])
                self.event({"choices": [{"index": 0, "delta": {"role": "assistant"}}]})
                for i in range(tokens):
                    time.sleep(FIRST_S if i == 0 else GAP_S)
                    self.event(content(f"t{i} ") if chat else {"choices": [{"index": 0, "text": f"t{i} "}]})
                    if failing:
                        self.event({"error": {"message": "cut", "code": "timeout"}})
                        break
                else:
                    self.event({"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]})
                    self.event({"choices": [], "usage": {"prompt_tokens": 7 + words, "completion_tokens": tokens}})
                self.event("[DONE]")
                self.wfile.write(b"0\r\n\r\n")

            def event(self, data):
                raw = f"data: {data if isinstance(data, str) else json.dumps(data)}\n\n".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(raw), raw))
                self.wfile.flush()

            def answer(self, status, obj):
                raw = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class WholeRunTest(unittest.TestCase):
    def run_bench(self, server, *flags):
        out = tempfile.TemporaryDirectory()
        self.addCleanup(out.cleanup)
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = serve.main(["--url", server.url, "--api-key", "k", "--warmup", "0", "--out", out.name, *flags])
        self.assertEqual(0, code)
        text = stdout.getvalue()
        last = json.loads(text.strip().splitlines()[-1])
        return last, text, Path(out.name)

    def test_a_sweep_reports_known_timings_per_level_and_writes_the_result(self):
        server = FakeServer(tokens=3)
        self.addCleanup(server.close)
        last, text, out = self.run_bench(server, "--concurrency", "1,2", "--duration", "1", "--output-len", "3")
        self.assertEqual(2, last["concurrency"])
        self.assertEqual([1, 2], [level["concurrency"] for level in last["levels"]])
        self.assertEqual({}, last["errors"])
        self.assertEqual("fake-model", last["model"])
        for level in last["levels"]:
            self.assertGreater(level["completed"], 2)
            ttft, itl, tpot = level["ttft_ms"]["p50"], level["itl_ms"]["p50"], level["tpot_ms"]["p50"]
            self.assertTrue(FIRST_S * 1000 <= ttft < FIRST_S * 1000 + 120, ttft)
            self.assertTrue(GAP_S * 1000 - 1 <= itl < GAP_S * 1000 + 60, itl)
            self.assertTrue(GAP_S * 1000 - 1 <= tpot < GAP_S * 1000 + 60, tpot)
            # a request takes ~FIRST_S + 2 GAP_S: requests/s is about concurrency / that
            self.assertGreater(level["requests_per_s"], 0.5 * level["concurrency"] / (FIRST_S + 2 * GAP_S))
            self.assertAlmostEqual(3 * level["requests_per_s"], level["output_tokens_per_s"], delta=0.01)
        self.assertIn("refuses ignore_eos", text)  # probed, dropped, noted
        self.assertNotIn("ignore_eos", json.dumps(server.received[-1]))
        result = json.loads(Path(last["result"]).read_text())
        self.assertEqual(Path(last["result"]).parent, out)
        self.assertRegex(Path(last["result"]).name, r"^bench-\d{8}T\d{6}Z\.json$")
        self.assertEqual(last["levels"][1]["itl_ms"], result["levels"][1]["itl_ms"])
        self.assertFalse(result["ignore_eos"])
        if last["chart"] is not None:
            self.assertTrue(Path(last["chart"]).stat().st_size > 1000)
        else:
            self.assertIn("no chart", text)

    def test_errors_are_counted_by_status_and_error_event(self):
        server = FakeServer(tokens=2, fail_every=2)
        self.addCleanup(server.close)
        last, _, _ = self.run_bench(server, "--duration", "1", "--no-chart")
        self.assertEqual({"429", "sse:timeout"}, set(last["errors"]))
        self.assertGreater(last["completed"], 0)
        self.assertEqual(last["failed"], sum(last["errors"].values()))

    def test_input_len_is_calibrated_from_usage(self):
        server = FakeServer(tokens=1)
        self.addCleanup(server.close)
        last, _, _ = self.run_bench(server, "--duration", "0.5", "--input-len", "40", "--no-chart")
        result = json.loads(Path(last["result"]).read_text())
        self.assertEqual(6, len(result["calibration"]))
        sent = [len(b["messages"][-1]["content"].split()) for b in server.received[-3:]]
        self.assertEqual([33, 33, 33], sent)  # 7 + 33 words = 40 tokens on this server

    def test_the_completions_endpoint_sends_a_prompt_and_reads_text_chunks(self):
        server = FakeServer(tokens=2)
        self.addCleanup(server.close)
        last, _, _ = self.run_bench(server, "--duration", "0.5", "--endpoint", "completions", "--no-chart")
        self.assertEqual({}, last["errors"])
        self.assertAlmostEqual(2 * last["requests_per_s"], last["output_tokens_per_s"], delta=0.01)
        self.assertEqual(last["completed"], last["itl_ms"]["n"])  # one gap between a request's two text chunks
        self.assertRegex(server.received[-1]["prompt"], r"^What is \d\d (plus|minus) \d\d\?$")

    def test_a_refused_key_stops_before_any_load(self):
        server = FakeServer()
        self.addCleanup(server.close)
        with self.assertRaisesRegex(SystemExit, "401"):
            with contextlib.redirect_stderr(io.StringIO()):
                serve.main(["--url", server.url, "--api-key", "wrong", "--model", "m", "--no-chart"])
        self.assertEqual(1, server.count)


class EndpointTest(unittest.TestCase):
    def test_a_trailing_v1_is_the_same_server(self):
        self.assertEqual(("h", 8000, ""), (lambda e: (e.host, e.port, e.prefix))(Endpoint("http://h:8000/v1")))
        self.assertEqual("/proxy", Endpoint("https://h/proxy/v1/").prefix)
        self.assertEqual(443, Endpoint("https://h/").port)

    def test_the_local_key_goes_to_loopback_only(self):
        args = serve.parse_args(["--url", "http://example.com:8080"])
        with unittest.mock.patch.dict("os.environ", {}, clear=True):
            self.assertIsNone(serve.api_key(args))


if __name__ == "__main__":
    unittest.main()
