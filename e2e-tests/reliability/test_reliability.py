"""The harness's own checks (run by reliability.py before every run; alone: python3 -m unittest in this folder)."""
import json
import socket
import struct
import threading
import time
import unittest

import clients
import hop
import ledger
import probes
import report
import services


def turn(key, user, answer=None):
    t = clients.Turn(key, user)
    t.answer = answer
    return t


class SessionCheckTest(unittest.TestCase):
    def check(self, turns, stored):
        c = ledger.SessionCheck()
        ledger.check_session(c, turns, stored)
        return c

    def test_every_acknowledged_turn_stored_once_passes(self):
        c = self.check([turn("k1", "u1", "a1"), turn("k2", "u2", "a2")],
                       [("user", "u1"), ("assistant", "a1"), ("user", "u2"), ("assistant", "a2")])
        self.assertTrue(c.ok)
        self.assertEqual(2, c.acknowledged)

    def test_a_lost_turn_fails(self):
        c = self.check([turn("k1", "u1", "a1"), turn("k2", "u2", "a2")], [("user", "u1"), ("assistant", "a1")])
        self.assertEqual(["k2"], c.lost)
        self.assertFalse(c.ok)

    def test_a_turn_stored_twice_fails_even_when_never_acknowledged(self):
        c = self.check([turn("k1", "u1")], [("user", "u1"), ("assistant", "x"), ("user", "u1"), ("assistant", "y")])
        self.assertEqual(1, len(c.duplicated))
        self.assertFalse(c.ok)

    def test_an_open_turn_stored_once_is_allowed(self):
        c = self.check([turn("k1", "u1"), turn("k2", "u2", "a2")],
                       [("user", "u1"), ("assistant", "x"), ("user", "u2"), ("assistant", "a2")])
        self.assertTrue(c.ok)
        self.assertEqual(1, c.open_stored)

    def test_a_stored_answer_that_differs_from_the_streamed_one_fails(self):
        c = self.check([turn("k1", "u1", "a1")], [("user", "u1"), ("assistant", "other")])
        self.assertEqual(1, len(c.wrong_answer))

    def test_a_message_nobody_sent_fails(self):
        c = self.check([turn("k1", "u1", "a1")],
                       [("user", "u1"), ("assistant", "a1"), ("user", "injected"), ("assistant", "z")])
        self.assertEqual(["injected"], c.unknown)

    def test_turns_stored_out_of_order_fail(self):
        c = self.check([turn("k1", "u1", "a1"), turn("k2", "u2", "a2")],
                       [("user", "u2"), ("assistant", "a2"), ("user", "u1"), ("assistant", "a1")])
        self.assertEqual(["k2"], c.out_of_order)


def sse(*events):
    return [f"data: {json.dumps(e) if not isinstance(e, str) else e}\n".encode() for e in events]


def chunk(content=None, finish=None):
    return {"choices": [{"index": 0, "delta": {"content": content} if content else {}, "finish_reason": finish}]}


class StreamTest(unittest.TestCase):
    def read(self, lines):
        clock = iter(range(1, 100))
        return clients.read_stream(clients.parse_sse(lines), 0, now=lambda: next(clock))

    def test_a_whole_stream_is_acknowledged_with_its_text_and_timings(self):
        o = self.read(sse(chunk("He"), chunk("llo"), chunk(finish="stop"),
                          {"choices": [], "usage": {"completion_tokens": 2}}, "[DONE]"))
        self.assertTrue(o.ok)
        self.assertEqual("Hello", o.text)
        self.assertEqual(1, o.ttft)
        self.assertEqual([1], o.gaps)
        self.assertEqual(2, o.tokens)

    def test_an_error_event_is_a_documented_failure(self):
        o = self.read(sse(chunk("He"), {"error": {"code": "service_unavailable", "session_turn": "unknown"}},
                          "[DONE]"))
        self.assertFalse(o.ok)
        self.assertEqual("stream service_unavailable", o.label)
        self.assertEqual("unknown", o.session_turn)
        self.assertTrue(o.documented)

    def test_a_stream_cut_without_an_error_event_is_not_documented(self):
        o = self.read(sse(chunk("He")))
        self.assertFalse(o.ok)
        self.assertFalse(o.documented)

    def test_a_stream_without_finish_reason_is_not_acknowledged(self):
        self.assertFalse(self.read(sse(chunk("He"), "[DONE]")).ok)

    def test_documented_statuses(self):
        self.assertTrue(clients.Outcome(0, status=503, code="service_unavailable", kind="http").documented)
        self.assertFalse(clients.Outcome(0, status=500, code="internal_error", kind="http").documented)
        self.assertFalse(clients.Outcome(0, status=503, code="no_error_json", kind="http").documented)


class FiguresTest(unittest.TestCase):
    def test_slope_in_units_per_minute(self):
        self.assertAlmostEqual(2.0, report.slope_per_minute([(0, 10), (30, 11), (60, 12), (90, 13)]))
        self.assertAlmostEqual(0.0, report.slope_per_minute([(0, 5), (10, 5), (20, 5)]))
        self.assertIsNone(report.slope_per_minute([(0, 1), (1, 2)]))

    def test_percentiles(self):
        values = list(range(1, 101))
        self.assertEqual(51, report.pct(values, 50))
        self.assertEqual(99, report.pct(values, 99))
        self.assertIsNone(report.pct([], 50))


class PerfDataTest(unittest.TestCase):
    @staticmethod
    def perf_file(counters):
        """An hsperfdata file in HotSpot's layout (little-endian), with long counters."""
        entries = b""
        for name, value in counters.items():
            name_bytes = name.encode() + b"\0"
            name_offset = 20
            data_offset = (name_offset + len(name_bytes) + 7) // 8 * 8
            length = data_offset + 8
            entry = struct.pack("<iiibbbbi", length, name_offset, 0, ord("J"), 0, 1, 3, data_offset)
            entry += name_bytes + b"\0" * (data_offset - name_offset - len(name_bytes)) + struct.pack("<q", value)
            entries += entry
        prologue = struct.pack(">I", probes.PERF_MAGIC) + struct.pack("<bbbbiiqii", 1, 2, 0, 1, 0, 0, 0, 32,
                                                                        len(counters))
        return prologue + entries

    def test_heap_used_adds_every_space_of_every_generation(self):
        data = self.perf_file({"sun.gc.generation.0.space.0.used": 10, "sun.gc.generation.0.space.1.used": 2,
                               "sun.gc.generation.1.space.0.used": 30, "sun.gc.generation.0.space.0.capacity": 99})
        self.assertEqual(42, probes.heap_used_bytes(probes.perf_counters(data)))

    def test_not_a_perf_file(self):
        with self.assertRaises(ValueError):
            probes.perf_counters(b"\0" * 64)


class DelayingProxyTest(unittest.TestCase):
    def test_forwards_both_ways_and_holds_answers_while_slow(self):
        server = socket.create_server(("127.0.0.1", 0))

        def echo():
            conn, _ = server.accept()
            with conn:
                while data := conn.recv(1024):
                    conn.sendall(data.upper())

        threading.Thread(target=echo, daemon=True).start()
        proxy = hop.DelayingProxy(server.getsockname()[1])
        proxy.start()
        try:
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as c:
                c.sendall(b"fast")
                self.assertEqual(b"FAST", c.recv(1024))
                proxy.delay_s = 0.3
                started = time.monotonic()
                c.sendall(b"slow")
                self.assertEqual(b"SLOW", c.recv(1024))
                self.assertGreaterEqual(time.monotonic() - started, 0.3)
        finally:
            proxy.stop()
            server.close()

    def test_a_target_that_is_down_closes_the_connection(self):
        proxy = hop.DelayingProxy(services.free_port())
        proxy.start()
        try:
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as c:
                self.assertEqual(b"", c.recv(1024))
        finally:
            proxy.stop()


if __name__ == "__main__":
    unittest.main()
