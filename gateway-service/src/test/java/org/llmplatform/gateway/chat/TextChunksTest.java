package org.llmplatform.gateway.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.HostileText;
import org.llmplatform.gateway.chat.ChatResponses.Chunk;
import org.llmplatform.gateway.chat.ChatResponses.ChunkChoice;
import org.llmplatform.gateway.chat.ChatResponses.Delta;
import tools.jackson.databind.json.JsonMapper;

/** The spliced bytes of a text chunk are exactly Jackson's for the same chunk. */
class TextChunksTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String[] PARTS = {
    "a",
    " ",
    "\n",
    "\r\n",
    "\"",
    "\\",
    "/",
    "\u0000",
    "\u001f",
    "\u007f",
    "\u2028",
    "é",
    "😀",
    "\uD83D",
    "\uDE00",
    "text-mark-5c1e",
    "987654321",
    "\"choices\":[{\"index\":",
    "</script>",
    "\t"
  };
  private static final HostileText TEXT = new HostileText(List.of(PARTS), 6, 4);

  @Test
  void everyTextChunkIsByteForByteWhatJacksonWrites() {
    Random r = new Random(7);
    for (int run = 0; run < 2000; run++) {
      String session = r.nextBoolean() ? null : TEXT.next(r); // a client's session id is any text
      String model = r.nextBoolean() ? "stories260K" : TEXT.next(r);
      Chunk sample =
          new Chunk(
              "chatcmpl-" + TEXT.next(r),
              "chat.completion.chunk",
              r.nextInt(Integer.MAX_VALUE),
              model,
              List.of(new ChunkChoice(0, new Delta(null, ""), null, null)),
              null,
              session);
      var texts = new TextChunks(sample, JSON);
      for (int i = 0; i < 5; i++) {
        int index = r.nextInt(4) == 0 ? r.nextInt(Integer.MAX_VALUE) : r.nextInt(8);
        String text = TEXT.next(r);
        byte[] spliced = texts.of(index, text).json();
        byte[] jackson = JSON.writeValueAsBytes(texts.withText(index, text));
        assertThat(new String(spliced, StandardCharsets.UTF_8))
            .as("run %d, text %s", run, text)
            .isEqualTo(new String(jackson, StandardCharsets.UTF_8));
        assertThat(spliced).isEqualTo(jackson);
      }
    }
  }
}
