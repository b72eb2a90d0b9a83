"""From the samples of one concurrency level to its figures, and from the levels to the printed tables.

Definitions (as `vllm bench serve`'s, over successful requests only):
- TTFT: request sent to the first chunk with output;
- TPOT: (end of the stream − first output chunk) / (output tokens − 1), per request with more than one token;
- ITL: the time between two consecutive output chunks, every gap of every request pooled;
- E2E: request sent to the end of its stream;
- requests/s and output tok/s: successful requests and their usage.completion_tokens over the level's wall time
  (first request sent to last stream ended: the clients stop sending at the deadline and in-flight requests finish).
Percentiles interpolate linearly between the two nearest ranks (numpy's default).
"""
from collections import Counter

PERCENTILES = (50, 90, 99)


def percentile(values, p):
    """The p-th percentile (0–100) of `values`, linear between the closest ranks; None when empty."""
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def distribution(seconds):
    """{"p50","p90","p99","mean"} in milliseconds (None when there is no value), and the count."""
    d = {f"p{p}": ms(percentile(seconds, p)) for p in PERCENTILES}
    d["mean"] = ms(sum(seconds) / len(seconds)) if seconds else None
    d["n"] = len(seconds)
    return d


def ms(seconds):
    return None if seconds is None else round(seconds * 1000, 3)


def level_figures(concurrency, samples, client_cpu_s=None):
    """The figures of one level from its samples (client.Sample)."""
    ok = [s for s in samples if s.ok]
    wall = (max(s.end for s in samples) - min(s.start for s in samples)) if samples else 0.0
    output_tokens = sum(s.output_tokens for s in ok)
    prompt = [s.prompt_tokens for s in ok if s.prompt_tokens is not None]
    ttft = [s.ttft for s in ok if s.ttft is not None]
    tpot = [(s.end - s.chunk_times[0]) / (s.output_tokens - 1) for s in ok if s.chunk_times and s.output_tokens > 1]
    itl = [b - a for s in ok for a, b in zip(s.chunk_times, s.chunk_times[1:])]
    e2e = [s.end - s.start for s in ok]
    figures = {
        "concurrency": concurrency,
        "duration_s": round(wall, 3),
        "requests": len(samples),
        "completed": len(ok),
        "failed": len(samples) - len(ok),
        "requests_per_s": round(len(ok) / wall, 4) if wall > 0 else 0.0,
        "output_tokens_per_s": round(output_tokens / wall, 3) if wall > 0 else 0.0,
        "output_tokens": output_tokens,
        "prompt_tokens_mean": round(sum(prompt) / len(prompt), 1) if prompt else None,
        "output_tokens_mean": round(output_tokens / len(ok), 1) if ok else None,
        "ttft_ms": distribution(ttft),
        "tpot_ms": distribution(tpot),
        "itl_ms": distribution(itl),
        "e2e_ms": distribution(e2e),
        "errors": dict(sorted(Counter(s.error for s in samples if not s.ok).items())),
    }
    if client_cpu_s is not None and wall > 0:
        figures["client_cpu_percent"] = round(100 * client_cpu_s / wall, 1)
    return figures


def level_table(f):
    """A level's figures as the text block the benchmark prints."""
    lines = [
        f"concurrency {f['concurrency']}: {f['duration_s']:.1f} s, {f['completed']} requests completed, "
        f"{f['failed']} failed",
        f"  requests/s {f['requests_per_s']:.2f}   output tok/s {f['output_tokens_per_s']:.1f}   "
        f"tokens a request (mean): prompt {fmt(f['prompt_tokens_mean'], 1)}, output {fmt(f['output_tokens_mean'], 1)}",
        f"  {'(ms)':<6}{'p50':>10}{'p90':>10}{'p99':>10}{'mean':>10}",
    ]
    for name, key in (("TTFT", "ttft_ms"), ("TPOT", "tpot_ms"), ("ITL", "itl_ms"), ("E2E", "e2e_ms")):
        d = f[key]
        lines.append(f"  {name:<6}" + "".join(f"{fmt(d[k]):>10}" for k in ("p50", "p90", "p99", "mean")))
    errors = ", ".join(f"{k}: {v}" for k, v in f["errors"].items()) or "none"
    lines.append(f"  errors: {errors}")
    if f.get("client_cpu_percent") is not None:
        lines.append(f"  client CPU {f['client_cpu_percent']}% of one core")
    return "\n".join(lines)


def sweep_table(levels):
    """One line per level: the figures a sweep is read by."""
    head = f"{'conc':>5}{'req/s':>9}{'out tok/s':>11}{'TTFT p50':>10}{'p99':>9}{'TPOT p50':>10}{'p99':>9}" \
           f"{'ITL p50':>9}{'p99':>9}{'errors':>8}"
    rows = [head]
    for f in levels:
        rows.append(f"{f['concurrency']:>5}{f['requests_per_s']:>9.2f}{f['output_tokens_per_s']:>11.1f}"
                    f"{fmt(f['ttft_ms']['p50']):>10}{fmt(f['ttft_ms']['p99']):>9}"
                    f"{fmt(f['tpot_ms']['p50']):>10}{fmt(f['tpot_ms']['p99']):>9}"
                    f"{fmt(f['itl_ms']['p50']):>9}{fmt(f['itl_ms']['p99']):>9}{f['failed']:>8}")
    return "\n".join(rows)


def summary_line(levels, extra):
    """The last line's object: the highest concurrency's figures at the top level (what a single run reports),
    every level in `levels`, and `extra` (result file, chart, model…)."""
    top = max(levels, key=lambda f: f["concurrency"])
    keep = ("concurrency", "requests_per_s", "output_tokens_per_s", "ttft_ms", "tpot_ms", "itl_ms", "e2e_ms",
            "errors", "completed", "failed")
    line = {k: top[k] for k in keep}
    line["levels"] = [{k: f[k] for k in keep} for f in levels]
    line.update(extra)
    return line


def fmt(value, digits=None):
    if value is None:
        return "-"
    if digits is not None:
        return f"{value:.{digits}f}"
    if isinstance(value, float):
        return f"{value:.1f}" if value >= 100 else f"{value:.2f}"
    return str(value)
