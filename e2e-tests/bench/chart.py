"""The PNG beside the result: with several levels, TTFT / TPOT / ITL p50-p90-p99 and throughput against
concurrency; with one level, the distributions (CDF) of TTFT, TPOT and ITL. Needs matplotlib (Debian's
python3-matplotlib); `write` returns None and a reason when it is missing."""


def write(path, levels, samples_by_level, title):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        return None, f"no chart: matplotlib is not installed for this python ({e}); apt-get install python3-matplotlib"
    if len(levels) > 1:
        fig = sweep(plt, levels)
    else:
        fig = distributions(plt, levels[0], samples_by_level[0])
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path, None


def sweep(plt, levels):
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    conc = [f["concurrency"] for f in levels]
    for ax, key, name in zip(axes.flat, ("ttft_ms", "tpot_ms", "itl_ms"), ("TTFT", "TPOT", "ITL")):
        for p, style in (("p50", "o-"), ("p90", "s--"), ("p99", "^:")):
            ax.plot(conc, [f[key][p] for f in levels], style, label=p)
        ax.set_title(f"{name} (ms)")
        ax.set_xlabel("concurrency")
        ax.set_xscale("log", base=2)
        ax.set_xticks(conc, [str(c) for c in conc])
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend()
    ax = axes.flat[3]
    ax.plot(conc, [f["output_tokens_per_s"] for f in levels], "o-", label="output tok/s")
    ax.set_xlabel("concurrency")
    ax.set_xscale("log", base=2)
    ax.set_xticks(conc, [str(c) for c in conc])
    ax.set_ylabel("output tok/s")
    ax.grid(alpha=0.3)
    right = ax.twinx()
    right.plot(conc, [f["requests_per_s"] for f in levels], "s--", color="tab:orange", label="requests/s")
    right.set_ylabel("requests/s")
    ax.set_ylim(bottom=0)
    right.set_ylim(bottom=0)
    ax.set_title("throughput")
    ax.legend(loc="upper left")
    right.legend(loc="lower right")
    return fig


def distributions(plt, level, samples):
    ok = [s for s in samples if s.ok]
    series = {
        "TTFT": [s.ttft * 1000 for s in ok if s.ttft is not None],
        "TPOT": [(s.end - s.chunk_times[0]) * 1000 / (s.output_tokens - 1)
                 for s in ok if s.chunk_times and s.output_tokens > 1],
        "ITL": [(b - a) * 1000 for s in ok for a, b in zip(s.chunk_times, s.chunk_times[1:])],
    }
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    for ax, (name, values) in zip(axes, series.items()):
        values = sorted(values)
        if values:
            ax.plot(values, [(i + 1) / len(values) for i in range(len(values))])
        for p in ("p50", "p90", "p99"):
            v = level[f"{name.lower()}_ms"][p]
            if v is not None:
                ax.axvline(v, linestyle=":", color="grey")
        ax.set_title(f"{name} at concurrency {level['concurrency']} (ms, CDF; p50/p90/p99 dotted)", fontsize=8)
        ax.set_xlabel("ms")
        ax.grid(alpha=0.3)
    return fig
