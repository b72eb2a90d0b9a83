// The Node reference side of tokenizer-service/bench/run-benchmark.sh: single-thread tokens/s of
// transformers.js encode (each golden string, and all of them joined as one document) and decode
// (each golden id list), on the same strings as the Java side. One JSON line per measurement.
//   node bench.mjs <golden.json> <model dir> <name>
import { AutoTokenizer, env } from "@huggingface/transformers";
import fs from "node:fs";
import path from "node:path";

const [goldenFile, dir, name] = process.argv.slice(2);
const golden = JSON.parse(fs.readFileSync(goldenFile, "utf8"));
env.allowRemoteModels = false;
env.localModelPath = path.dirname(path.resolve(dir));
const tokenizer = await AutoTokenizer.from_pretrained(path.basename(path.resolve(dir)), { local_files_only: true });
const texts = golden.encode.map((e) => e.text);
const documentText = texts.join("\n");
const ids = texts.map((t) => tokenizer.encode(t));

function rate(work) {
  const warmEnd = performance.now() + 1000;
  while (performance.now() < warmEnd) work();
  let tokens = 0;
  const start = performance.now();
  let elapsed;
  do {
    tokens += work();
    elapsed = performance.now() - start;
  } while (elapsed < 3000);
  return tokens / (elapsed / 1000);
}

const report = (what, value) =>
  console.log(JSON.stringify({ impl: "node", tokenizer: name, what, tokens_per_s: Math.round(value) }));

report("encode_strings", rate(() => texts.reduce((n, t) => n + tokenizer.encode(t).length, 0)));
report("encode_document", rate(() => tokenizer.encode(documentText).length));
report("decode", rate(() => ids.reduce((n, s) => (s.length && tokenizer.decode(s, { skip_special_tokens: true }), n + s.length), 0)));
