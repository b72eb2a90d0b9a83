package org.llmplatform.gateway.chat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.llmplatform.gateway.chat.ChatResponses.Chunk;
import org.llmplatform.gateway.chat.ChatResponses.ChunkChoice;
import org.llmplatform.gateway.chat.ChatResponses.Delta;
import org.llmplatform.gateway.generation.EventStream;
import tools.jackson.core.io.JsonStringEncoder;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON of one stream's text chunks, the bulk of what it sends: a chunk that carries only text
 * differs from the stream's other text chunks in its choice index and its text, so its bytes are
 * the ones Jackson writes for the stream's first such chunk with those two spliced in, the text
 * escaped as Jackson escapes it. No object tree, no serializer walk per token. A text Jackson's
 * escaper refuses (a lone surrogate, which the generator writes as an escape) goes through Jackson.
 */
final class TextChunks {

  private static final int INDEX_MARK = 987_654_321;
  private static final String TEXT_MARK = "text-mark-5c1e";

  private final Chunk sample;
  private final JsonMapper json;
  private final byte[] head; // up to the index
  private final byte[] middle; // from the index to the text
  private final byte[] tail; // after the text

  /**
   * @param sample a text chunk of the stream (its index and text are replaced per chunk)
   */
  TextChunks(Chunk sample, JsonMapper json) {
    this.sample = sample;
    this.json = json;
    byte[] bytes = json.writeValueAsBytes(withText(INDEX_MARK, TEXT_MARK));
    // the marks' first places after the choices start: nothing before them is a client's text
    int choices = indexOf(bytes, "\"choices\":[{\"index\":", 0);
    int index = indexOf(bytes, Integer.toString(INDEX_MARK), choices);
    int text = indexOf(bytes, "\"" + TEXT_MARK + "\"", index);
    if (choices < 0 || index < 0 || text < 0) {
      throw new IllegalStateException("a text chunk's JSON changed shape: " + new String(bytes));
    }
    int afterIndex = index + Integer.toString(INDEX_MARK).length();
    int afterText = text + TEXT_MARK.length() + 2;
    this.head = Arrays.copyOfRange(bytes, 0, index);
    this.middle = Arrays.copyOfRange(bytes, afterIndex, text);
    this.tail = Arrays.copyOfRange(bytes, afterText, bytes.length);
  }

  /** The chunk of {@code text} for choice {@code index}, as JSON bytes. */
  EventStream.Encoded of(int index, String text) {
    byte[] quoted;
    try {
      quoted = JsonStringEncoder.getInstance().quoteAsUTF8(text);
    } catch (IllegalArgumentException loneSurrogate) {
      return new EventStream.Encoded(json.writeValueAsBytes(withText(index, text)));
    }
    byte[] digits = Integer.toString(index).getBytes(StandardCharsets.US_ASCII);
    byte[] out =
        new byte[head.length + digits.length + middle.length + quoted.length + 2 + tail.length];
    int at = put(out, 0, head);
    at = put(out, at, digits);
    at = put(out, at, middle);
    out[at++] = '"';
    at = put(out, at, quoted);
    out[at++] = '"';
    put(out, at, tail);
    return new EventStream.Encoded(out);
  }

  /** The sample with this index and text (what Jackson would write for the chunk). */
  Chunk withText(int index, String text) {
    ChunkChoice choice = sample.choices().getFirst();
    return new Chunk(
        sample.id(),
        sample.object(),
        sample.created(),
        sample.model(),
        List.of(new ChunkChoice(index, new Delta(null, text), choice.logprobs(), null)),
        sample.usage(),
        sample.sessionId());
  }

  private static int put(byte[] out, int at, byte[] part) {
    System.arraycopy(part, 0, out, at, part.length);
    return at + part.length;
  }

  private static int indexOf(byte[] bytes, String ascii, int from) {
    if (from < 0) {
      return -1;
    }
    byte[] needle = ascii.getBytes(StandardCharsets.US_ASCII);
    outer:
    for (int i = from; i <= bytes.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (bytes[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
