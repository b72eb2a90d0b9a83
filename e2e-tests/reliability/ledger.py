"""The session check: every session as session-service keeps it, against its client's own log of turns.

- an acknowledged turn is stored exactly once: its user message, then the assistant message with the very text the
  client was streamed (a replayed answer must be the stored one);
- a turn never acknowledged (given up, or cut by the end of the run) is stored at most once: its fate was open;
- nothing is stored that the client did not send, and the acknowledged turns keep the order they were sent in.
"""


class SessionCheck:
    def __init__(self):
        self.acknowledged = 0
        self.open_stored = 0  # unacknowledged turns that were stored (allowed: at most once)
        self.lost = []  # acknowledged, not stored
        self.duplicated = []  # stored more than once
        self.wrong_answer = []  # stored answer differs from the acknowledged one
        self.unknown = []  # stored user messages no client sent
        self.out_of_order = []

    @property
    def ok(self):
        return not (self.lost or self.duplicated or self.wrong_answer or self.unknown or self.out_of_order)

    def problems(self):
        out = []
        for name in ("lost", "duplicated", "wrong_answer", "unknown", "out_of_order"):
            for item in getattr(self, name):
                out.append(f"{name}: {item}")
        return out


def check_session(check, turns, stored):
    """Adds one session to `check`. `turns`: the client's Turn log in order; `stored`: the session's messages as
    [(role, content)] in seq order."""
    sent = {t.user: t for t in turns}
    positions = {}
    for i, (role, content) in enumerate(stored):
        if role == "user":
            positions.setdefault(content, []).append(i)
            if content not in sent:
                check.unknown.append(content)
    last_position = -1
    for turn in turns:
        at = positions.get(turn.user, [])
        if len(at) > 1:
            check.duplicated.append(f"{turn.key} stored {len(at)} times")
        if not turn.acknowledged:
            check.open_stored += 1 if at else 0
            continue
        check.acknowledged += 1
        if not at:
            check.lost.append(turn.key)
            continue
        i = at[0]
        answer = stored[i + 1] if i + 1 < len(stored) else None
        if answer is None or answer[0] != "assistant" or answer[1] != turn.answer:
            check.wrong_answer.append(f"{turn.key}: streamed {turn.answer!r}, stored {answer!r}")
        if i < last_position:
            check.out_of_order.append(turn.key)
        last_position = i


def stored_messages(gateway, session):
    """The session's whole history through the gateway (as its tenant): [(role, content)] in order."""
    status, _, body = gateway.call("GET", f"/v1/sessions/{session}/messages")
    if status != 200:
        raise RuntimeError(f"session {session}: {status} {body}")
    return [(m["role"], m.get("content")) for m in body["messages"]]
