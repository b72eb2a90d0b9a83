// Writes the tokenizer goldens the tokenizer-service tests compare against: for each tokenizer, the
// ids (add_special_tokens=true) and the decoded text (skip_special_tokens=true) of ~220 strings, and
// for each chat template the rendered prompt and ids (or the error it raises) of ~24 conversations.
// The reference is transformers.js (@huggingface/transformers, pinned in package-lock.json).
//   model-tools/tokenizer-goldens/fetch.sh && node model-tools/tokenizer-goldens/generate.mjs
import { AutoTokenizer, env } from "@huggingface/transformers";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { conversations, strings } from "./corpus.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const shared = process.env.LLM_SHARED_DIR ?? path.resolve(repo, "../shared");
const out = path.join(repo, "tokenizer-service/src/test/resources/goldens");
const pkg = JSON.parse(fs.readFileSync(path.join(here, "node_modules/@huggingface/transformers/package.json")));

env.allowRemoteModels = false;
env.allowLocalModels = true;

// name -> [location recorded in the golden, folder]
const tokenizers = {
  "stories260K": ["shared:models/stories260K", path.join(shared, "models/stories260K")],
  "ortgenai-tiny-llama": ["shared:models/ortgenai-tiny-llama-fp16", path.join(shared, "models/ortgenai-tiny-llama-fp16")],
  "qwen3": ["cache:qwen3", path.join(repo, "model-tools/.cache/tokenizers/qwen3")],
  "llama3": ["cache:llama3", path.join(repo, "model-tools/.cache/tokenizers/llama3")],
  "gemma3": ["cache:gemma3", path.join(repo, "model-tools/.cache/tokenizers/gemma3")],
  "deepseek_v3": ["cache:deepseek_v3", path.join(repo, "model-tools/.cache/tokenizers/deepseek_v3")],
};

// Python's json.dumps(value, ensure_ascii=False): ", " and ": " separators.
const pythonJson = (value) => {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(", ")}}`;
  }
  return JSON.stringify(value);
};

// The messages with every tool call's mapping arguments given as their JSON text instead.
const argumentsAsText = (messages) => messages.map((m) => m.tool_calls ? {
  ...m,
  tool_calls: m.tool_calls.map((c) => typeof c.function?.arguments === "object"
    ? { ...c, function: { ...c.function, arguments: pythonJson(c.function.arguments) } } : c),
} : m);
const testModels = path.join(repo, "test-models");
if (fs.existsSync(testModels)) {
  for (const name of fs.readdirSync(testModels).sort()) {
    if (fs.existsSync(path.join(testModels, name, "tokenizer.json"))) {
      tokenizers[name] = [`repo:test-models/${name}`, path.join(testModels, name)];
    }
  }
}

fs.mkdirSync(out, { recursive: true });
for (const [name, [location, dir]] of Object.entries(tokenizers)) {
  if (!fs.existsSync(path.join(dir, "tokenizer.json"))) {
    console.warn(`skip ${name}: no tokenizer.json in ${dir}`);
    continue;
  }
  env.localModelPath = path.dirname(dir);
  const tokenizer = await AutoTokenizer.from_pretrained(path.basename(dir), { local_files_only: true });
  const encode = strings().map((text) => {
    const ids = tokenizer.encode(text);
    return { text, ids, decoded: ids.length ? tokenizer.decode(ids, { skip_special_tokens: true }) : "" };
  });
  const golden = { generator: `@huggingface/transformers ${pkg.version} (model-tools/tokenizer-goldens)`, tokenizer: location, encode };
  if (tokenizer.chat_template) {
    const templateSource = JSON.stringify(tokenizer.chat_template);
    golden.chat = conversations().map((c) => {
      const options = { add_generation_prompt: c.add_generation_prompt, tokenize: false };
      if (c.tools) options.tools = c.tools;
      const render = (messages) => {
        try {
          const prompt = tokenizer.apply_chat_template(messages, options);
          return { prompt, ids: tokenizer.encode(prompt, { add_special_tokens: false }) };
        } catch (e) {
          // raised: the template's own raise_exception (its message is in the template); otherwise
          // the Jinja engine failed, with a message that differs between implementations
          return { error: e.message, error_raised: templateSource.includes(e.message) };
        }
      };
      const golden = { ...c, ...render(c.messages) };
      if (golden.prompt?.includes("[object ")) {
        // A template that writes the arguments as text (DeepSeek-V3 concatenates them) gets
        // "[object Map]" from transformers.js (Python's Jinja raises): the service gives it the
        // mapping's JSON text, so the expected render is the reference's with that text.
        Object.assign(golden, render(argumentsAsText(c.messages)), { arguments_as_text: true });
      }
      if (c.messages.some((m) => Array.isArray(m.content))) {
        // what a template that expects string contents renders once text parts are joined
        const flattened = c.messages.map((m) => Array.isArray(m.content)
          ? { ...m, content: m.content.filter((p) => p.type === "text").map((p) => p.text).join("\n") } : m);
        const r = render(flattened);
        golden.flattened = r.error ? { error: r.error } : { prompt: r.prompt, ids: r.ids };
      }
      return golden;
    });
  }
  fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify(golden) + "\n");
  const chats = golden.chat ? `, ${golden.chat.length} conversations (${golden.chat.filter((c) => c.error).length} raise)` : "";
  console.log(`${name}: ${encode.length} strings${chats}`);
}
