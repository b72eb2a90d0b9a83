package org.llmplatform.gateway.tools;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.gateway.generation.GenerationEvent;
import org.llmplatform.gateway.generation.GenerationEvent.Finished;
import org.llmplatform.gateway.generation.GenerationEvent.TextDelta;
import org.llmplatform.gateway.generation.GenerationEvent.TokenLogprob;
import org.llmplatform.gateway.generation.GenerationEvent.ToolCalled;
import org.llmplatform.gateway.message.ToolCall;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads one choice's tool calls out of its text as it streams: text outside calls passes on (a tail
 * that could be the start of the opener is held back until it is not), each complete call becomes a
 * {@link ToolCalled}, and an answer that called tools finishes with {@code tool_calls}. Text that
 * looked like a call but does not parse is passed on as text.
 */
final class ToolCallParser {

  private final ToolCallFormat format;
  private final JsonMapper json;
  private final CallIds ids = new CallIds();
  private final StringBuilder held = new StringBuilder();
  private final List<TokenLogprob> heldTokens = new ArrayList<>();
  private StringBuilder call; // the text of the call being read, else null
  private boolean started; // some text (not white space) went out or was held
  private int calls;

  ToolCallParser(ToolCallFormat format, JsonMapper json) {
    this.format = format;
    this.json = json;
  }

  List<GenerationEvent> next(GenerationEvent event) {
    var out = new ArrayList<GenerationEvent>();
    switch (event) {
      case TextDelta delta -> {
        heldTokens.addAll(delta.tokens());
        read(delta.text(), out);
      }
      case ToolCalled called -> out.add(called);
      case Finished finished -> {
        if (call != null && !endCall(call.toString(), out)) {
          held.append(format.opener()).append(call);
        }
        call = null;
        flush(held.length(), out);
        out.add(
            calls > 0 && "stop".equals(finished.finishReason())
                ? new Finished("tool_calls", finished.promptTokens(), finished.completionTokens())
                : finished);
      }
    }
    return out;
  }

  private void read(String text, List<GenerationEvent> out) {
    if (call != null) {
      call.append(text);
      closeCalls(out);
      return;
    }
    held.append(text);
    if (format.opener().isEmpty()) {
      // the whole answer is the call when it starts as one
      if (!started && !held.toString().isBlank()) {
        started = true;
        String body = held.toString().stripLeading();
        if (body.startsWith("{") || body.startsWith("<|python_tag|>")) {
          call = new StringBuilder(held);
          held.setLength(0);
          heldTokens.clear();
          return;
        }
      }
      flush(held.length(), out);
      return;
    }
    int at = held.indexOf(format.opener());
    if (at >= 0) {
      String after = held.substring(at + format.opener().length());
      flush(at, out);
      held.setLength(0);
      heldTokens.clear();
      call = new StringBuilder(after);
      closeCalls(out);
      return;
    }
    flush(held.length() - openerPrefixAtEnd(), out);
  }

  /** Ends each call whose closer arrived; the text after the last one is read again. */
  private void closeCalls(List<GenerationEvent> out) {
    if (format.closer().isEmpty()) {
      return; // the call runs to the end of the answer
    }
    int end = call.indexOf(format.closer());
    if (end < 0) {
      return;
    }
    String body = call.substring(0, end);
    String rest = call.substring(end + format.closer().length());
    call = null;
    if (!endCall(body, out)) {
      held.append(format.opener()).append(body).append(format.closer());
      flush(held.length(), out);
    }
    read(rest, out);
  }

  /** Emits the calls in {@code body}; false when it does not parse as calls. */
  private boolean endCall(String body, List<GenerationEvent> out) {
    List<ToolCall> parsed = format.parse(body, json, ids);
    if (parsed == null) {
      return false;
    }
    // text between calls (a newline) is not content
    if (calls > 0 && held.toString().isBlank()) {
      held.setLength(0);
    }
    for (ToolCall c : parsed) {
      out.add(new ToolCalled(c));
      calls++;
    }
    return true;
  }

  /** Emits the first {@code length} held characters as text. */
  private void flush(int length, List<GenerationEvent> out) {
    if (length <= 0) {
      return;
    }
    String text = held.substring(0, length);
    held.delete(0, length);
    if (calls > 0 && text.isBlank()) {
      return; // white space after a call
    }
    out.add(new TextDelta(text, List.copyOf(heldTokens)));
    heldTokens.clear();
  }

  /** Length of the longest end of the held text that could be the start of the opener. */
  private int openerPrefixAtEnd() {
    String opener = format.opener();
    for (int n = Math.min(opener.length() - 1, held.length()); n > 0; n--) {
      if (held.substring(held.length() - n).equals(opener.substring(0, n))) {
        return n;
      }
    }
    return 0;
  }
}
