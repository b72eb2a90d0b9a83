// transformers.js (onnxruntime-node, CPU) generating greedily from given prompt ids with a model folder in the
// Hugging Face layout: batch-1 TTFT and decode tokens/s (median of 3), 16 requests one after another, and 16 at once as one
// batch (identical prompts, so no padding). Prints one JSON object.
//   node transformers.mjs <model-dir> <prompt-ids-json> <new-tokens> <requests>
// With <requests> 0 only the batch-1 figures are measured (peer.py's interleaved rounds).
import path from "node:path";
import { AutoModelForCausalLM, Tensor, env } from "@huggingface/transformers";

const [modelDir, idsJson, newTokensArg, requestsArg] = process.argv.slice(2);
const promptIds = JSON.parse(idsJson);
const newTokens = Number(newTokensArg);
const requests = Number(requestsArg);

env.allowRemoteModels = false;
env.localModelPath = path.dirname(path.resolve(modelDir)) + path.sep;
const model = await AutoModelForCausalLM.from_pretrained(path.basename(modelDir), {
  local_files_only: true,
  dtype: "fp32",
  device: "cpu",
});

function inputs(batch) {
  const n = promptIds.length;
  const ids = new BigInt64Array(batch * n);
  for (let b = 0; b < batch; b++) promptIds.forEach((id, i) => (ids[b * n + i] = BigInt(id)));
  return {
    input_ids: new Tensor("int64", ids, [batch, n]),
    attention_mask: new Tensor("int64", new BigInt64Array(batch * n).fill(1n), [batch, n]),
  };
}

/** One generate call; times of each streamed step (the first put is the prompt). */
async function generate(batch, maxNew) {
  const stamps = [];
  const start = performance.now();
  const out = await model.generate({
    ...inputs(batch),
    max_new_tokens: maxNew,
    do_sample: false,
    streamer: { put: () => stamps.push(performance.now()), end: () => {} },
  });
  const end = performance.now();
  const steps = stamps.slice(1); // step i: one new token per row
  const ids = out.tolist()[0].slice(promptIds.length).map(Number);
  return { start, end, steps, ids };
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await generate(1, 8); // warm-up
const runs = [];
for (let r = 0; r < 3; r++) runs.push(await generate(1, newTokens));
const batch1 = {
  tokens: runs[0].steps.length,
  ttft_ms: median(runs.map((r) => r.steps[0] - r.start)),
  decode_tok_s: median(runs.map((r) => (r.steps.length - 1) / ((r.end - r.steps[0]) / 1000))),
  ids: runs[0].ids,
};

if (requests === 0) {
  console.log(JSON.stringify({ batch1 }));
  process.exit(0);
}

let tokens = 0;
const seqStart = performance.now();
for (let r = 0; r < requests; r++) tokens += (await generate(1, newTokens)).steps.length;
const sequential = { tokens, aggregate_tok_s: tokens / ((performance.now() - seqStart) / 1000) };

const all = await generate(requests, newTokens);
const batched = {
  tokens: all.steps.length * requests,
  aggregate_tok_s: (all.steps.length * requests) / ((all.end - all.start) / 1000),
};

console.log(JSON.stringify({ batch1, sequential, batched }));
