package org.llmplatform.gateway.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.llmplatform.api.inference.FinishEvent;
import org.llmplatform.api.inference.StreamEvent;
import org.llmplatform.api.inference.TokenEvent;
import org.llmplatform.gateway.client.InferenceClient.GenerateEvent;
import org.llmplatform.gateway.error.ApiException;
import org.springframework.core.io.buffer.DataBuffer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads one generation's SSE stream from inference-service as it arrives: each network read gives
 * the events completed in it, all at once (a batch), so what follows handles several tokens per
 * wake-up when they queued up. The SSE framing is read from the bytes ({@code event:} names the
 * record, {@code data:} lines hold its JSON, a blank line ends the event; {@code \n}, {@code \r\n}
 * or {@code \r} line ends; comments and other fields ignored) and the JSON parsed straight from
 * them, without a string per line. An event larger than {@code maxEventBytes} fails the stream. One
 * per stream, used by one thread at a time.
 */
final class GenerateEventReader {

  private final ObjectReader tokens;
  private final ObjectReader finishes;
  private final JsonMapper json;
  private final int maxEventBytes;

  private byte[] pending = new byte[512]; // bytes of events not yet complete
  private int length;
  private int scanned; // pending[0, scanned) holds no complete event

  GenerateEventReader(JsonMapper json, int maxEventBytes) {
    this.json = json;
    this.tokens = json.readerFor(TokenEvent.class);
    this.finishes = json.readerFor(FinishEvent.class);
    this.maxEventBytes = maxEventBytes;
  }

  /** The events this buffer completes, in order (often none or one); releases nothing. */
  List<GenerateEvent> read(DataBuffer buffer) {
    int n = buffer.readableByteCount();
    ensure(length + n);
    buffer.read(pending, length, n);
    length += n;
    List<GenerateEvent> events = List.of();
    int start = 0;
    int i = Math.max(scanned - 1, 0);
    while (i < length) {
      int end = eventEnd(i);
      if (end < 0) {
        break;
      }
      GenerateEvent event = event(start, end);
      if (event != null) {
        if (events.isEmpty()) {
          events = new ArrayList<>(2);
        }
        events.add(event);
      }
      start = skipBlankLine(end);
      i = start;
    }
    if (start > 0) {
      System.arraycopy(pending, start, pending, 0, length - start);
      length -= start;
    }
    scanned = length;
    if (length > maxEventBytes) {
      throw ApiException.internal(
          "inference-service sent an event over " + maxEventBytes + " bytes", null);
    }
    return events;
  }

  /**
   * Where the event that runs through {@code from} ends (the index of the line end before the blank
   * line), or -1 when its blank line has not arrived.
   */
  private int eventEnd(int from) {
    for (int i = from; i < length; i++) {
      byte b = pending[i];
      if (b != '\n' && b != '\r') {
        continue;
      }
      int next = i + 1;
      if (b == '\r') {
        if (next == length) {
          return -1; // a \r\n may be split across reads
        }
        if (pending[next] == '\n') {
          next++;
        }
      }
      if (next < length && (pending[next] == '\n' || pending[next] == '\r')) {
        return next; // the blank line starts here
      }
      if (next == length) {
        return -1;
      }
      i = next - 1;
    }
    return -1;
  }

  /** The index after the blank line that starts at {@code at}. */
  private int skipBlankLine(int at) {
    if (pending[at] == '\r' && at + 1 < length && pending[at + 1] == '\n') {
      return at + 2;
    }
    return at + 1;
  }

  /** The event in {@code pending[start, end)}, or null when it carries no data. */
  private GenerateEvent event(int start, int end) {
    String name = null;
    byte[] data = null;
    int dataFrom = -1;
    int dataTo = -1;
    int line = start;
    while (line < end) {
      int lineEnd = line;
      while (lineEnd < end && pending[lineEnd] != '\n' && pending[lineEnd] != '\r') {
        lineEnd++;
      }
      if (startsWith(line, lineEnd, "data:")) {
        int from = valueStart(line + 5, lineEnd);
        if (dataFrom < 0 && data == null) {
          dataFrom = from;
          dataTo = lineEnd;
        } else { // data on several lines: joined by \n, as SSE says
          byte[] joined = data != null ? data : Arrays.copyOfRange(pending, dataFrom, dataTo);
          data = Arrays.copyOf(joined, joined.length + 1 + lineEnd - from);
          data[joined.length] = '\n';
          System.arraycopy(pending, from, data, joined.length + 1, lineEnd - from);
        }
      } else if (startsWith(line, lineEnd, "event:")) {
        int from = valueStart(line + 6, lineEnd);
        name = new String(pending, from, lineEnd - from, StandardCharsets.UTF_8);
      }
      line = lineEnd;
      if (line < end && pending[line] == '\r' && line + 1 < end && pending[line + 1] == '\n') {
        line++;
      }
      line++;
    }
    if (data == null && dataFrom < 0) {
      return null;
    }
    byte[] bytes = data != null ? data : pending;
    int from = data != null ? 0 : dataFrom;
    int to = data != null ? data.length : dataTo;
    return switch (name) {
      case StreamEvent.TOKEN ->
          GenerateEvent.of(tokens.<TokenEvent>readValue(bytes, from, to - from));
      case StreamEvent.FINISH ->
          GenerateEvent.of(finishes.<FinishEvent>readValue(bytes, from, to - from));
      case null -> unnamed(bytes, from, to - from);
      default ->
          throw ApiException.internal(
              "inference-service sent an unknown event '" + name + "'", null);
    };
  }

  /**
   * An inference-service from before named events (a rolling upgrade): told apart by its fields.
   */
  private GenerateEvent unnamed(byte[] bytes, int from, int length) {
    JsonNode tree = json.readTree(new String(bytes, from, length, StandardCharsets.UTF_8));
    return tree.has("finish_reason")
        ? GenerateEvent.of(json.treeToValue(tree, FinishEvent.class))
        : GenerateEvent.of(json.treeToValue(tree, TokenEvent.class));
  }

  private boolean startsWith(int from, int to, String field) {
    if (to - from < field.length()) {
      return false;
    }
    for (int i = 0; i < field.length(); i++) {
      if (pending[from + i] != field.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** A field's value starts after one optional space. */
  private int valueStart(int at, int lineEnd) {
    return at < lineEnd && pending[at] == ' ' ? at + 1 : at;
  }

  private void ensure(int capacity) {
    if (capacity > pending.length) {
      pending = Arrays.copyOf(pending, Math.max(capacity, pending.length * 2));
    }
  }
}
