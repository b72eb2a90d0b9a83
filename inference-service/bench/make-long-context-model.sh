#!/usr/bin/env bash
# Writes build-models/bench-30m-4k: bench-30m (same config, seed and weights: rotary positions have
# no learned table) with a 4,096-token context, for the chunked-prefill and prefix-reuse benchmarks,
# whose 2,000-token prompts do not fit bench-30m's 1,024; and build-models/bench-30m-4k-shared-kv,
# the same weights exported with shared_kv=True (GroupQueryAttention: the KV cache updated in place).
# Uses model-tools as a library; fixtures.py is unchanged.
set -euo pipefail
cd "$(dirname "$0")/../../model-tools"
/usr/bin/python3 - <<'PY'
import dataclasses, os
from llmtools.fixtures import BENCH, write_fixture
cfg, seed = BENCH["bench-30m"]
cfg = dataclasses.replace(cfg, max_position_embeddings=4096)
out = os.path.join("..", "build-models")
write_fixture(out, "bench-30m-4k", cfg, seed, False, with_reference=False)
write_fixture(out, "bench-30m-4k-shared-kv", cfg, seed, False, with_reference=False, shared_kv=True)
PY
