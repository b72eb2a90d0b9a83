// The strings and conversations the goldens are made of: deterministic (seeded), varied.

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIXED = [
  "", " ", "  ", "a", "Hello", "Hello world", " Hello world", "Hello world ", "Hello  world",
  "Once upon a time, there was a little girl named Lily.", "The quick brown fox jumps over the lazy dog.",
  "I don't think it's what they'd've wanted, isn't it?", "Hello , world ! How are you ?",
  "It 's a dog 's life . Don 't you think ?", "end with space ", "\n", "\n\n", "\t", "\r\n",
  "line one\nline two\n\nline four", "tabs\tand\t\tmore tabs", "trailing newline\n", "   leading spaces",
  "many     spaces     between", "mixed \t \n \r\n whitespace", "\u00a0non-breaking\u00a0space", "ideographic\u3000space",
  "café résumé naïve façade", "Ærøskøbing — Œuvre", "ß straße STRASSE", "İstanbul ıi", "e\u0301 (combining acute)",
  "日本語のテキストです。", "中文文本，包括标点符号！", "한국어 텍스트입니다", "ภาษาไทย", "العربية نص", "עברית",
  "हिन्दी पाठ", "Ελληνικά κείμενο", "Русский текст", "Tiếng Việt có dấu",
  "😀", "😀😃😄", "👍🏽 thumbs", "👨‍👩‍👧‍👦 family", "🇫🇷🇯🇵 flags", "❤️ heart", "🤖 robot 🚀 rocket", "emoji😀in😀words",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math", "𠀀 rare CJK ext B", "\u200b zero width", "\u2028 line separator", "\ufffd replacement",
  "def f(x):\n    return x * 2\n", "for (int i = 0; i < n; i++) {\n\tsum += a[i];\n}",
  "const s = `template ${x}`; // comment", "SELECT * FROM users WHERE id = 42;", "<div class=\"a\">text</div>",
  "{\"key\": [1, 2.5, null, true], \"k2\": {\"n\": \"v\"}}", "if a != b and c <= d: pass", "x => x ** 2 >>> 1",
  "#include <stdio.h>\nint main() { printf(\"%d\\n\", 1); }", "    indented code\n        more", "https://example.com/path?q=1&r=2#frag",
  "email@example.com", "C:\\Users\\name\\file.txt", "$100.00 €50 £20 ¥1000", "3.14159 2.71828 1e-10 -42",
  "1234567890", "12 345 678", "0x1F 0b1010 0o17", "2024-11-29T06:30:00Z", "100%", "a+b=c", "a_b-c.d/e",
  "<s>", "</s>", "<unk>", "<s> hello </s>", "<pad>", "<bos>", "<eos>", "<|endoftext|>", "<|im_start|>user\nhi<|im_end|>",
  "<|begin_of_text|>", "<|eot_id|>", "<start_of_turn>user", "<end_of_turn>", "[INST] question [/INST]", "<<SYS>>",
  "<0x41>", "<0xE6>", "▁", "▁▁hello", "Ġhello", "Ċ", "< s >", "<s", "s>", "<|im_start", "<|", "|>",
  "<think>\nreasoning\n</think>\n\nanswer", "<tool_call>\n{\"name\": \"f\"}\n</tool_call>", "ALL CAPS TEXT", "MiXeD cAsE",
  "a\u0000b", "control\u0001\u0007chars", "\u001b[31mred\u001b[0m", "...", "!!!???", "---", "***", "a.b.c",
  "don't won't can't shouldn't", "'quoted' \"double\"", "« guillemets » „Anführungszeichen“", "（全角）【括弧】",
];

const WORDS = ["the", "a", "cat", "sat", "on", "mat", "Lily", "played", "with", "her", "ball", "tokenizer",
  "model", "inference", "streaming", "über", "naïve", "日本", "世界", "привет", "مرحبا", "🙂", "😀", "🚀",
  "x", "42", "3.14", "don't", "it's", "<s>", "</s>", "<|im_end|>", "▁", "\t", "\n", "  ", "—", "…", "ß", "é"];
const JOINERS = [" ", " ", " ", "", "\n", "  ", "\t", ", ", ". ", "! ", "? ", " . ", " , "];

export function strings(count = 220, seed = 20261129) {
  const random = rng(seed);
  const out = [...FIXED];
  while (out.length < count) {
    const n = 1 + Math.floor(random() * 14);
    let s = "";
    for (let i = 0; i < n; i++) {
      s += WORDS[Math.floor(random() * WORDS.length)];
      if (i < n - 1) s += JOINERS[Math.floor(random() * JOINERS.length)];
    }
    if (random() < 0.2) s = " " + s;
    if (random() < 0.2) s += " ";
    out.push(s);
  }
  return out;
}

// Tool schema and a tool call, as OpenAI-style clients send them.
const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the current weather in a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string", description: "City name, e.g. Paris" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
      required: ["city"],
    },
  },
};

const TIME_TOOL = {
  type: "function",
  function: {
    name: "get_time",
    description: "Get the local time in a time zone",
    parameters: {
      type: "object",
      properties: { timezone: { type: "string", description: "IANA name, e.g. Asia/Tokyo" }, format: { type: "string", enum: ["12h", "24h"] } },
      required: ["timezone"],
    },
  },
};
const TOOLS = [WEATHER_TOOL, TIME_TOOL];

// An assistant turn that only calls tools, as OpenAI-style clients send it (content null; some
// templates, Qwen3's, need "" instead), with the arguments as a mapping: what Hugging Face's
// apply_chat_template users pass and what the gateway sends when the client's arguments string is
// a JSON object.
const call = (id, name, args) => ({ id, type: "function", function: { name, arguments: args } });
const calls = (...toolCalls) => ({ role: "assistant", content: null, tool_calls: toolCalls });
const callsWithText = (content, ...toolCalls) => ({ role: "assistant", content, tool_calls: toolCalls });
const result = (id, content) => ({ role: "tool", tool_call_id: id, content });

const u = (content) => ({ role: "user", content });
const a = (content) => ({ role: "assistant", content });
const s = (content) => ({ role: "system", content });

/** 32 conversations; each {messages, add_generation_prompt, tools?}. Contents avoid characters that
 * Python's str.strip and JavaScript's trim treat differently (BOM, U+001C-001F, U+0085). */
export function conversations() {
  return [
    { messages: [u("Hello!")], add_generation_prompt: true },
    { messages: [u("Hello!")], add_generation_prompt: false },
    { messages: [s("You are a helpful assistant."), u("What is 2+2?")], add_generation_prompt: true },
    { messages: [u("Hi"), a("Hello! How can I help?"), u("Tell me a story.")], add_generation_prompt: true },
    { messages: [s("Be brief."), u("Hi"), a("Hi."), u("Bye"), a("Bye.")], add_generation_prompt: false },
    { messages: [u("  padded with spaces  "), a("\n\nanswer with newlines\n\n"), u("ok")], add_generation_prompt: true },
    { messages: [u("日本語で答えてください。"), a("はい、わかりました。"), u("ありがとう 😀")], add_generation_prompt: true },
    { messages: [u("Code please:\n```python\ndef f(x):\n    return x\n```")], add_generation_prompt: true },
    { messages: [u("<s>[INST] not a real tag [/INST]</s>")], add_generation_prompt: true },
    { messages: [u("<|im_start|>system\nfake<|im_end|>")], add_generation_prompt: true },
    { messages: [s("System with\nmultiple\nlines."), u("Q1"), a("A1"), u("Q2"), a("A2"), u("Q3")], add_generation_prompt: true },
    { messages: [u("Empty answer next"), a(""), u("and again")], add_generation_prompt: true },
    { messages: [u("Tabs\tand\ttabs"), a("Spaces   and   spaces")], add_generation_prompt: false },
    { messages: [u("What is the weather in Paris?")], add_generation_prompt: true, tools: [WEATHER_TOOL] },
    { messages: [s("You can call tools."), u("Weather in Tokyo?")], add_generation_prompt: true, tools: [WEATHER_TOOL] },
    { messages: [u("Think first."), a("<think>\nLet me think.\n</think>\n\nThe answer is 4.")], add_generation_prompt: false },
    { messages: [u("q"), a("<think>\nreasoning\n</think>\n\nold answer"), u("next question")], add_generation_prompt: true },
    { messages: [u("Émoji 👨‍👩‍👧 and accents café"), a("Réponse: très bien 👍🏽")], add_generation_prompt: true },
    { messages: [u("JSON: {\"a\": [1, 2, {\"b\": null}]}")], add_generation_prompt: true },
    { messages: [a("Assistant speaks first")], add_generation_prompt: true },
    { messages: [u("one"), u("two in a row")], add_generation_prompt: true },
    { messages: [s("only a system message")], add_generation_prompt: true },
    { messages: [u("Weather?"), { role: "assistant", content: "", tool_calls: [{ type: "function", function: { name: "get_weather", arguments: { city: "Paris" } } }] },
      { role: "tool", content: "{\"temperature\": 21}" }, ], add_generation_prompt: true, tools: [WEATHER_TOOL] },
    { messages: [u([{ type: "text", text: "Content as a list of parts" }])], add_generation_prompt: true },
    // tools, and past tool calls and results (issue 19)
    { messages: [u("What is the weather in Paris and the time in Tokyo?")], add_generation_prompt: true, tools: TOOLS },
    { messages: [s("You are a travel assistant."), u("Plan my day in Rome.")], add_generation_prompt: true, tools: TOOLS },
    { messages: [u("Weather in Paris?"), calls(call("call_1", "get_weather", { city: "Paris", unit: "celsius" })),
      result("call_1", "{\"temperature\": 21, \"sky\": \"clear\"}")], add_generation_prompt: true, tools: TOOLS },
    { messages: [s("Answer briefly."), u("Weather in Paris?"), calls(call("call_1", "get_weather", { city: "Paris" })),
      result("call_1", "21 °C, clear"), a("It is 21 °C and clear in Paris."), u("And the time in Tokyo?")],
      add_generation_prompt: true, tools: TOOLS },
    { messages: [u("Weather in Paris and time in Tokyo?"),
      calls(call("call_a", "get_weather", { city: "Paris" }), call("call_b", "get_time", { timezone: "Asia/Tokyo", format: "24h" })),
      result("call_a", "{\"temperature\": 21}"), result("call_b", "{\"time\": \"18:30\"}")], add_generation_prompt: true, tools: TOOLS },
    { messages: [u("Time in Tokyo?"), calls(call("call_1", "get_time", { timezone: "Asia/Tokyo" })),
      result("call_1", "18:30"), u("Thanks!")], add_generation_prompt: true },
    { messages: [u("Weather in Paris?"), callsWithText("", call("call_1", "get_weather", { city: "Paris", unit: "celsius" })),
      result("call_1", "{\"temperature\": 21, \"sky\": \"clear\"}")], add_generation_prompt: true, tools: TOOLS },
    { messages: [u("Weather in Paris and time in Tokyo?"),
      callsWithText("Let me check.", call("call_a", "get_weather", { city: "Paris" }), call("call_b", "get_time", { timezone: "Asia/Tokyo" })),
      result("call_a", "{\"temperature\": 21}"), result("call_b", "{\"time\": \"18:30\"}"), u("Thanks!")],
      add_generation_prompt: true, tools: TOOLS },
  ];
}
