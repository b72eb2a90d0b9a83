#!/usr/bin/env python3
"""Where a chat completion's time to first token goes, hop by hop, from a packet capture of the loopback interface
taken while run.sh serves steady.py (ports 18081 tokenizer, 18082 inference, 18084 gateway, 6379 Redis):

    tcpdump -i lo -s 200 -w run.pcap 'tcp and (port 18081 or port 18082 or port 18084 or port 6379)' &
    BENCH_CLIENT="python3 -u gateway-service/bench/steady.py" gateway-service/bench/run.sh MODEL_DIR --rounds 4000
    python3 gateway-service/bench/phases.py run.pcap 18084 400

Per gateway chat completion: milliseconds from its first packet to the first packet of each hop (tokenize sent and
answered, Redis, generate sent, its headers and first token, the gateway's headers and first two data chunks);
prints the median of each over the last N requests and the step from the one before."""
import struct, sys, statistics
path, gw, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def packets(path):
    with open(path, "rb") as f:
        gh = f.read(24)
        nano = struct.unpack("<I", gh[:4])[0] == 0xa1b23c4d
        link = struct.unpack("<I", gh[20:24])[0]
        while True:
            h = f.read(16)
            if len(h) < 16: return
            sec, frac, incl, orig = struct.unpack("<IIII", h)
            data = f.read(incl)
            ip = data[14 if link == 1 else 16 if link == 113 else 0:]
            if len(ip) < 20 or ip[0] >> 4 != 4: continue
            tcp = ip[(ip[0] & 15) * 4:]
            sp, dp = struct.unpack(">HH", tcp[:4])
            payload = tcp[(tcp[12] >> 4) * 4:]
            if payload: yield sec + frac / (1e9 if nano else 1e6), sp, dp, payload
MS = ["body in", "tokenize sent", "tokenize answer", "redis first", "redis last before generate", "generate sent",
      "generate headers", "first token", "gateway headers", "gateway data 1", "gateway data 2"]
reqs, cur = [], None
for t, sp, dp, pl in packets(path):
    if dp == gw and pl.startswith(b"POST /v1/chat"):
        cur = {"t0": t}; reqs.append(cur); continue
    if cur is None or "gateway data 2" in cur: continue
    ms = (t - cur["t0"]) * 1000
    def mark(k):
        cur.setdefault(k, ms)
    if dp == gw: mark("body in")
    elif dp == 18081: mark("tokenize sent")
    elif sp == 18081: mark("tokenize answer")
    elif dp == 6379 and "generate sent" not in cur: mark("redis first"); cur["redis last before generate"] = ms
    elif dp == 18082: mark("generate sent")
    elif sp == 18082:
        mark("generate headers")
        if b"token" in pl: mark("first token")
    elif sp == gw:
        if b"data:" in pl:
            if "gateway data 1" in cur: cur["gateway data 2"] = ms
            else: mark("gateway data 1")
        else: mark("gateway headers")
reqs = [r for r in reqs if "gateway data 2" in r and "first token" in r][-last:]
print(f"{len(reqs)} requests; median ms from the request's first packet")
prev = 0
for k in MS:
    v = [r[k] for r in reqs if k in r]
    if not v: continue
    m = statistics.median(v)
    print(f"  {k:28s} {m:7.3f}  (+{m - prev:6.3f})  n={len(v)}")
    prev = m
