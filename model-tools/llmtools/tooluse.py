"""Tool use in the Hermes format, as Qwen 2.5 renders it: the chat template, its Python twin, the tools the
default model knows, their results and the answers made from them.

The template renders ``tools`` (OpenAI's ``{"type": "function", "function": {...}}`` objects, each as one
line of JSON) into the system turn, an assistant message's ``tool_calls`` as
``<tool_call>\\n{"name": ..., "arguments": {...}}\\n</tool_call>`` (arguments given as an object or as
OpenAI's JSON string), and ``tool`` messages as ``<tool_response>`` blocks inside one user turn. Without
tools it renders exactly as the plain ChatML template before it. ``segments`` renders the same text in
pieces, each marked with whether the assistant writes it (the training loss mask);
``tests/test_default_model.py`` checks it against the template rendered by Jinja as transformers does.
"""

import json
import re

TOOLS_HEADER = ("# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                "You are provided with function signatures within <tools></tools> XML tags:\n<tools>")
TOOLS_FOOTER = ("\n</tools>\n\nFor each function call, return a json object with function name and arguments "
                "within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, "
                "\"arguments\": <args-json-object>}\n</tool_call>")

CHAT_TEMPLATE = (
    "{%- if tools %}"
    "{{- '<|im_start|>system\\n' }}"
    "{%- if messages[0]['role'] == 'system' %}{{- messages[0]['content'] + '\\n\\n' }}{%- endif %}"
    "{{- " + repr(TOOLS_HEADER).replace("\n", "\\n") + " }}"
    "{%- for tool in tools %}{{- '\\n' }}{{- tool | tojson }}{%- endfor %}"
    "{{- " + repr(TOOLS_FOOTER + "<|im_end|>\n").replace("\n", "\\n") + " }}"
    "{%- elif messages[0]['role'] == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- for message in messages %}"
    "{%- if message['role'] == 'user' or (message['role'] == 'system' and not loop.first)"
    " or (message['role'] == 'assistant' and not message['tool_calls']) %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- elif message['role'] == 'assistant' %}"
    "{{- '<|im_start|>assistant' }}"
    "{%- if message['content'] %}{{- '\\n' + message['content'] }}{%- endif %}"
    "{%- for tool_call in message['tool_calls'] %}"
    "{%- if tool_call['function'] is defined %}{%- set tool_call = tool_call['function'] %}{%- endif %}"
    "{{- '\\n<tool_call>\\n{\"name\": \"' + tool_call['name'] + '\", \"arguments\": ' }}"
    "{%- if tool_call['arguments'] is string %}{{- tool_call['arguments'] }}"
    "{%- else %}{{- tool_call['arguments'] | tojson }}{%- endif %}"
    "{{- '}\\n</tool_call>' }}"
    "{%- endfor %}"
    "{{- '<|im_end|>\\n' }}"
    "{%- elif message['role'] == 'tool' %}"
    "{%- if loop.first or messages[loop.index0 - 1]['role'] != 'tool' %}{{- '<|im_start|>user' }}{%- endif %}"
    "{{- '\\n<tool_response>\\n' + message['content'] + '\\n</tool_response>' }}"
    "{%- if loop.last or messages[loop.index0 + 1]['role'] != 'tool' %}{{- '<|im_end|>\\n' }}{%- endif %}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def tojson(value):
    """transformers' ``tojson``: json.dumps with ", " / ": " separators, non-ASCII kept."""
    return json.dumps(value, ensure_ascii=False)


def call_text(name, arguments):
    """What the assistant writes to call a tool (its whole answer in this model's data)."""
    return '<tool_call>\n{"name": "' + name + '", "arguments": ' + tojson(arguments) + '}\n</tool_call>'


def segments(messages, tools=None, add_generation_prompt=False):
    """The template's output as [(text, written_by_assistant)]: an assistant message's content (or calls) and
    its <|im_end|> are the assistant's; everything else (roles, system, user, tool results) is not."""
    out = []
    first_system = messages and messages[0]["role"] == "system"
    if tools:
        system = messages[0]["content"] + "\n\n" if first_system else ""
        out.append(("<|im_start|>system\n" + system + TOOLS_HEADER
                    + "".join("\n" + tojson(t) for t in tools) + TOOLS_FOOTER + "<|im_end|>\n", False))
    elif first_system:
        out.append(("<|im_start|>system\n" + messages[0]["content"] + "<|im_end|>\n", False))
    for i, m in enumerate(messages):
        role = m["role"]
        if role == "user" or (role == "system" and i > 0):
            out.append((f"<|im_start|>{role}\n{m['content']}<|im_end|>\n", False))
        elif role == "assistant":
            out.append(("<|im_start|>assistant\n", False))
            text = m.get("content") or ""
            calls = m.get("tool_calls") or []
            for c in calls:
                c = c.get("function", c)
                args = c["arguments"] if isinstance(c["arguments"], str) else tojson(c["arguments"])
                text += ("\n" if text else "") + '<tool_call>\n{"name": "' + c["name"] + '", "arguments": ' \
                    + args + '}\n</tool_call>'
            out.append((text, True))
            out.append(("<|im_end|>", True))
            out.append(("\n", False))
        elif role == "tool":
            opens = i == 0 or messages[i - 1]["role"] != "tool"
            closes = i == len(messages) - 1 or messages[i + 1]["role"] != "tool"
            out.append((("<|im_start|>user" if opens else "") + "\n<tool_response>\n" + m["content"]
                        + "\n</tool_response>" + ("<|im_end|>\n" if closes else ""), False))
    if add_generation_prompt:
        out.append(("<|im_start|>assistant\n", False))
    return out


def render(messages, tools=None, add_generation_prompt=False):
    return "".join(text for text, _ in segments(messages, tools, add_generation_prompt))


CALL = re.compile(r"<tool_call>\n(.*?)\n</tool_call>", re.S)


def parse_calls(text):
    """[(name, arguments)] of every well-formed call in an answer; a malformed one is (None, its text)."""
    calls = []
    for body in CALL.findall(text):
        try:
            obj = json.loads(body)
            calls.append((obj["name"], obj["arguments"]))
        except (ValueError, KeyError, TypeError):
            calls.append((None, body))
    return calls


# ---------------------------------------------------------------------------------------------------------
# The tools
# ---------------------------------------------------------------------------------------------------------

def _tool(name, description, properties, required):
    return {"type": "function", "function": {"name": name, "description": description, "parameters": {
        "type": "object", "properties": properties, "required": required}}}


TOOLS = {
    "get_weather": _tool("get_weather", "Get the current weather in a city.",
                         {"city": {"type": "string", "description": "The city name"}}, ["city"]),
    "calculate": _tool("calculate", "Evaluate an arithmetic expression.",
                       {"expression": {"type": "string", "description": "For example 12 * 7"}}, ["expression"]),
    "convert_units": _tool("convert_units", "Convert a value from one unit to another.",
                           {"value": {"type": "number"}, "from_unit": {"type": "string"},
                            "to_unit": {"type": "string"}}, ["value", "from_unit", "to_unit"]),
}

# intent -> the tool it needs
TOOL_OF = {"weather": "get_weather", "multiply": "calculate", "divide": "calculate", "big_add": "calculate",
           "convert": "convert_units"}

CONDITIONS = ["sunny", "cloudy", "rainy", "snowy", "windy", "foggy", "clear", "stormy", "partly cloudy", "humid"]

# canonical unit (the call's argument) -> the words a user may write for it
UNIT_WORDS = {"km": ["km", "kilometres", "kilometers"], "mi": ["miles", "mi"], "kg": ["kg", "kilograms", "kilos"],
              "lb": ["pounds", "lb", "lbs"], "m": ["metres", "meters", "m"], "ft": ["feet", "ft"],
              "celsius": ["degrees Celsius", "Celsius", "C"], "fahrenheit": ["degrees Fahrenheit", "Fahrenheit", "F"],
              "l": ["litres", "liters", "l"], "gal": ["gallons", "gal"], "cm": ["centimetres", "cm"],
              "in": ["inches", "in"]}
UNIT_PAIRS = [("km", "mi"), ("kg", "lb"), ("m", "ft"), ("celsius", "fahrenheit"), ("l", "gal"), ("cm", "in")]
FACTORS = {("km", "mi"): 0.621371, ("kg", "lb"): 2.204623, ("m", "ft"): 3.28084, ("l", "gal"): 0.264172,
           ("cm", "in"): 0.393701}


def number(x):
    """An int when whole, else rounded to two decimals (as the tool's JSON and the answer write it)."""
    x = round(float(x), 2)
    return int(x) if x == int(x) else x


def convert(value, src, dst):
    if (src, dst) == ("celsius", "fahrenheit"):
        return number(value * 9 / 5 + 32)
    if (src, dst) == ("fahrenheit", "celsius"):
        return number((value - 32) * 5 / 9)
    if (src, dst) in FACTORS:
        return number(value * FACTORS[(src, dst)])
    return number(value / FACTORS[(dst, src)])


def calculate(expression):
    a, op, b = expression.split(" ")
    a, b = int(a), int(b)
    return number({"*": a * b, "/": a / b if b else float("nan"), "+": a + b, "-": a - b}[op])


def weather_result(rng, city):
    return {"city": city, "temperature": rng.randint(-25, 42), "condition": rng.choice(CONDITIONS)}


def answer_from_result(name, arguments, result):
    """The assistant's answer once the tool's result is in: every value copied from the call or the result."""
    if name == "get_weather":
        return f"It is {result['temperature']} degrees and {result['condition']} in {result['city']}."
    if name == "calculate":
        return f"{arguments['expression']} = {result['result']}."
    return f"{arguments['value']} {arguments['from_unit']} is {result['value']} {result['unit']}."
