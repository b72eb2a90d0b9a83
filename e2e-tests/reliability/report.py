"""Figures and RELIABILITY.md: each figure with its target and pass or fail."""
import collections

MB = 1024 * 1024


def pct(values, p):
    """The p-th percentile (nearest rank on the sorted values), or None without values."""
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))]


def slope_per_minute(points):
    """Least-squares slope of (t seconds, value) points, in value units per minute; None under 3 points."""
    if len(points) < 3:
        return None
    n = len(points)
    mt = sum(t for t, _ in points) / n
    mv = sum(v for _, v in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    if var == 0:
        return None
    return 60 * sum((t - mt) * (v - mv) for t, v in points) / var


class Target:
    def __init__(self, section, what, figure, target, ok):
        self.section, self.what, self.figure, self.target, self.ok = section, what, figure, target, ok

    @property
    def verdict(self):
        return "pass" if self.ok else "**FAIL**"


def ms(seconds):
    return "–" if seconds is None else f"{seconds * 1000:.0f} ms"


def counts(labels):
    c = collections.Counter(labels)
    return ", ".join(f"{k} × {v}" for k, v in sorted(c.items())) or "none"


def write(path, r):
    """`r`: the run's figures as built by reliability.py."""
    lines = [
        "# Reliability",
        "",
        f"`./llm reliability{' --quick' if r['quick'] else ''}`, {r['date']}, on {r['machine']}. "
        f"Model `{r['model']}`; {r['clients']} streaming chat clients, each on its own session, "
        f"`max_tokens` {r['max_tokens']}; warm-up {r['warmup_s']:g} s, then {r['window_s'] / 60:g} min measured; "
        f"then the faults under the same load; then {r['limited_clients']} clients for {r['limited_s']:g} s on a key "
        f"limited to {r['limited_rpm']} requests a minute. Services with a {r['heap_mb']} MB pre-touched heap; the "
        f"gateway's timeouts: {', '.join(f'{k} {v:g} s' for k, v in r['timeouts'].items())}. "
        f"Raw data: `{r['raw']}`. Method: [e2e-tests/reliability/README.md](e2e-tests/reliability/README.md).",
        "",
        f"**Result: {'every target met' if all(t.ok for t in r['targets']) else 'targets FAILED (below)'}.**",
        "",
        "| section | what | figure | target | verdict |",
        "|---|---|---|---|---|",
    ]
    for t in r["targets"]:
        lines.append(f"| {t.section} | {t.what} | {t.figure} | {t.target} | {t.verdict} |")
    load = r["load"]
    lines += [
        "",
        "## Load and soak",
        "",
        "| figure | value |",
        "|---|---|",
        f"| attempts (warm-up + measured) | {load['attempts']} |",
        f"| acknowledged turns in the measured window | {load['acked']} ({load['acked'] / r['window_s']:.1f}/s) |",
        f"| completion tokens in the window | {load['tokens']} ({load['tokens'] / r['window_s']:.0f} tokens/s) |",
        f"| TTFT p50 / p99 | {ms(load['ttft_p50'])} / {ms(load['ttft_p99'])} |",
        f"| ITL (between content chunks) p50 / p99 | {ms(load['itl_p50'])} / {ms(load['itl_p99'])} |",
        f"| turn p50 / p99 | {ms(load['turn_p50'])} / {ms(load['turn_p99'])} |",
        f"| outcomes | {load['outcomes']} |",
        "",
        "Memory in the measured window (RSS and open fds sampled every 10 s; live heap: heap used right after a full "
        "collection at the window's start and end; RSS slope: least squares over the samples):",
        "",
        "| process | RSS start → end | RSS slope | live heap start → end | live heap slope | heap used (samples) "
        "| open fds start → end (max) |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in r["memory"]:
        heap = (f"{m['live_start'] / MB:.1f} → {m['live_end'] / MB:.1f} MB" if m.get("live_end") is not None
                else "–")
        hslope = f"{m['live_slope']:+.2f} MB/min" if m.get("live_slope") is not None else "–"
        used = (f"{m['heap_min'] / MB:.0f}–{m['heap_max'] / MB:.0f} MB" if m.get("heap_max") is not None else "–")
        lines.append(
            f"| {m['name']} | {m['rss_start'] / MB:.0f} → {m['rss_end'] / MB:.0f} MB | {m['rss_slope']:+.2f} MB/min "
            f"| {heap} | {hslope} | {used} | {m['fd_start']} → {m['fd_end']} ({m['fd_max']}) |")
    if r.get("native"):
        n = r["native"]
        lines += ["", f"ONNX Runtime's native memory, estimated as inference-service's RSS less the JVM's own "
                      f"committed memory per NMT: {n['start'] / MB:.0f} MB at the window's start, "
                      f"{n['end'] / MB:.0f} MB at its end. A rough figure: NMT counts committed memory, RSS "
                      f"resident pages, so a change of the JVM's committed-but-untouched memory (thread stacks, "
                      f"GC structures) moves it while the RSS stays flat; the RSS slope above is the target."]
    lines += ["", "## Faults", "",
              "Each under the same load, one after the other. Recovery: from the process being back (thawed, or its "
              "restart launched, or the hop fast again) to the first acknowledged probe turn; a killed service's "
              "restart-to-ready time is part of it. The slow hop is a delaying TCP proxy between the gateway and "
              "inference-service, on a second model name of the same model, with clients of its own (a quarter of "
              "the load) from its first fault on.", "",
              "| fault | why | attempts that failed in it | undocumented | back → recovered | verdict |",
              "|---|---|---|---|---|---|"]
    for f in r["faults"]:
        rec = "not recovered" if f["recovery_s"] is None else f"{f['recovery_s']:.1f} s"
        if f.get("ready_s") is not None:
            rec += f" (ready after {f['ready_s']:.1f} s)"
        lines.append(f"| {f['name']} | {f['why']} | {f['failed']} | {f['undocumented'] or 'none'} | {rec} "
                     f"| {'pass' if f['ok'] else '**FAIL**'} |")
    rl = r["rate_limit"]
    s = r["sessions"]
    lines += ["", "## At the rate limit", "",
              f"{rl['attempts']} requests: {rl['outcomes']}. 429s without `Retry-After`: {rl['no_retry_after']}; "
              f"other failures: {rl['other'] or 'none'}.", "",
              "## Sessions against the clients' logs", "",
              f"{s['sessions']} sessions, {s['turns']} turns sent, {s['acknowledged']} acknowledged; "
              f"{s['open']} never acknowledged (given up or cut by the end of the run), of which {s['open_stored']} "
              f"stored (once each). Lost: {s['lost']}, duplicated: {s['duplicated']}, stored answer differing from "
              f"the streamed one: {s['wrong_answer']}, unknown messages: {s['unknown']}, out of order: "
              f"{s['out_of_order']}."]
    if s["problems"]:
        lines += ["", "First problems:", ""] + [f"- {p}" for p in s["problems"][:20]]
    lines += ["", "## Not covered by this command", "",
              "- Fuzzing runs in the Maven tests (`*FuzzTest`; `-Dfuzz.runs=N -Dfuzz.seed=S` raise and move the "
              "budget), not here: the schema compiler, the gateway's request parsers and SSE framing, incremental "
              "detokenization and chat templates with hostile content.",
              "- The authorization matrix is `e2e-tests` `AuthorizationMatrixIT`, run by `./llm test`."]
    if r.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {n}" for n in r["notes"]]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
