// One streamed answer, measured as the page sees it: time to first token (from the request to the
// first text or tool call) and decode speed (the completion's tokens after the first, over the
// time from the first piece to the last).

/**
 * Streams the answer to `body`, telling `view` each piece, and returns what came:
 * {content, toolCalls, usage, finishReason, ttftMs, tokensPerSecond, pieces, stopped}.
 * `stopped` is true when `signal` aborted it; an error answer or event is thrown.
 */
export async function streamAnswer(gateway, body, signal, view) {
  const started = performance.now();
  const answer = {
    content: '',
    toolCalls: [],
    usage: null,
    finishReason: null,
    ttftMs: null,
    tokensPerSecond: null,
    pieces: 0,
    stopped: false,
  };
  let first = null;
  let last = null;
  try {
    for await (const chunk of gateway.chat(body, signal)) {
      if (chunk.usage) {
        answer.usage = chunk.usage;
      }
      const choice = chunk.choices?.[0];
      if (!choice) {
        continue;
      }
      const delta = choice.delta ?? {};
      if (delta.content || delta.tool_calls?.length) {
        last = performance.now();
        first ??= last;
        answer.pieces++;
      }
      if (delta.content) {
        answer.content += delta.content;
        view.text(delta.content);
      }
      if (delta.tool_calls?.length) {
        delta.tool_calls.forEach(piece => mergeCall(answer.toolCalls, piece));
        view.toolCalls(answer.toolCalls);
      }
      if (choice.finish_reason) {
        answer.finishReason = choice.finish_reason;
      }
    }
  } catch (error) {
    if (error.name !== 'AbortError') {
      throw error;
    }
    answer.stopped = true;
  }
  if (first !== null) {
    answer.ttftMs = first - started;
    const tokens = answer.usage?.completion_tokens;
    if (tokens > 1 && last > first) {
      answer.tokensPerSecond = ((tokens - 1) * 1000) / (last - first);
    }
  }
  return answer;
}

/** Adds a streamed tool call piece: a new call at its index, or more of its arguments. */
function mergeCall(calls, piece) {
  const call = (calls[piece.index ?? 0] ??= {id: null, type: 'function', function: {name: '', arguments: ''}});
  call.id = piece.id ?? call.id;
  call.type = piece.type ?? call.type;
  call.function.name += piece.function?.name ?? '';
  call.function.arguments += piece.function?.arguments ?? '';
}
