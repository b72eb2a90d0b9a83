package org.llmplatform.api.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Differential tests: the stream, fed one id at a time, always concatenates to the one-shot decode.
 * The real tokenizers are exercised by the tokenizer service's golden tests.
 */
class StreamingDetokenizerTest {

  /**
   * A SentencePiece-like vocabulary: whole pieces with a leading "▁", single bytes (byte fallback,
   * so multi-byte characters split across ids) and a skipped special token.
   */
  private static final List<byte[]> VOCAB = new ArrayList<>();

  private static final int SPECIAL = 0;

  static {
    VOCAB.add(new byte[0]); // 0: special token, decodes to nothing
    for (String piece :
        List.of("▁Hello", "▁world", "▁", ".", "▁n", "'t", "▁'", "s", "é", "日本", "▁.", "\uFFFD")) {
      VOCAB.add(piece.getBytes(StandardCharsets.UTF_8));
    }
    for (int b = 0x80; b < 0x100; b++) {
      VOCAB.add(new byte[] {(byte) b});
    }
  }

  /**
   * Joins the ids' bytes, decodes leniently, turns "▁" into spaces and strips one leading space.
   */
  private static String decode(List<Integer> ids) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int id : ids) {
      bytes.writeBytes(VOCAB.get(id));
    }
    String text = bytes.toString(StandardCharsets.UTF_8).replace('▁', ' ');
    return text.startsWith(" ") ? text.substring(1) : text;
  }

  private static String stream(StreamingDetokenizer detokenizer, List<Integer> ids) {
    StringBuilder out = new StringBuilder();
    for (int id : ids) {
      String piece = detokenizer.add(id);
      assertThat(piece).doesNotEndWith("\uFFFD");
      out.append(piece);
    }
    out.append(detokenizer.finish());
    assertThat(detokenizer.text()).isEqualTo(out.toString());
    return out.toString();
  }

  private static List<Integer> utf8Bytes(String text) {
    List<Integer> ids = new ArrayList<>();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      ids.add((b & 0xff) - 0x80 + 13);
    }
    return ids;
  }

  /**
   * Hugging Face's ByteFallback: ids 0-255 are the byte tokens {@code <0x00>}…{@code <0xFF>}, 256
   * is "x" and 257 "▁y" (pieces). A run of byte tokens is decoded at once, and when it is not valid
   * UTF-8 every byte of it is U+FFFD, ASCII ones too.
   */
  private static String byteFallbackDecode(List<Integer> ids) {
    StringBuilder text = new StringBuilder();
    ByteArrayOutputStream run = new ByteArrayOutputStream();
    for (int id : ids) {
      if (id < 256) {
        run.write(id);
        continue;
      }
      flushRun(run, text);
      text.append(id == 256 ? "x" : " y");
    }
    flushRun(run, text);
    return text.toString();
  }

  private static void flushRun(ByteArrayOutputStream run, StringBuilder text) {
    byte[] bytes = run.toByteArray();
    try {
      text.append(
          StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString());
    } catch (java.nio.charset.CharacterCodingException invalid) {
      text.append("\uFFFD".repeat(bytes.length));
    }
    run.reset();
  }

  /**
   * Found by tokenizer-service's TokenizerFuzzTest on stories260K: "KN8>" was streamed, then a lone
   * 0xF6 made the whole run U+FFFD in the one-shot decode.
   */
  @Test
  void anAsciiByteTokenWaitsForTheEndOfItsRun() {
    var held =
        StreamingDetokenizer.byteFallbackIds(StreamingDetokenizerTest::byteFallbackDecode, 258);
    assertThat(held.test('K')).isTrue();
    assertThat(held.test(0xF6)).isTrue();
    assertThat(held.test(256)).isFalse();
    assertThat(held.test(257)).isFalse();
    Random random = new Random(3);
    for (int i = 0; i < 500; i++) {
      List<Integer> ids = new ArrayList<>();
      int length = 1 + random.nextInt(12);
      for (int j = 0; j < length; j++) {
        int kind = random.nextInt(4);
        ids.add(
            switch (kind) {
              case 0 -> 'A' + random.nextInt(26);
              case 1 -> 0x80 + random.nextInt(0x80);
              case 2 -> 256;
              default -> 257;
            });
      }
      StreamingDetokenizer detokenizer =
          StreamingDetokenizer.of(StreamingDetokenizerTest::byteFallbackDecode)
              .holdingBackRunsOf(held);
      assertThat(stream(detokenizer, ids)).as("ids %s", ids).isEqualTo(byteFallbackDecode(ids));
    }
    StreamingDetokenizer detokenizer =
        StreamingDetokenizer.of(StreamingDetokenizerTest::byteFallbackDecode)
            .holdingBackRunsOf(held);
    assertThat(detokenizer.add(256)).isEqualTo("x");
    assertThat(detokenizer.add('K')).isEmpty();
    assertThat(detokenizer.add(0xF6)).isEmpty();
    assertThat(detokenizer.add(257)).isEqualTo("\uFFFD\uFFFD y");
  }

  @Test
  void holdsBackACharacterSplitAcrossByteTokensUntilItIsComplete() {
    StreamingDetokenizer detokenizer = StreamingDetokenizer.of(StreamingDetokenizerTest::decode);
    assertThat(detokenizer.add(1)).isEqualTo("Hello");
    List<Integer> euro = utf8Bytes("€"); // three bytes
    assertThat(detokenizer.add(euro.get(0))).isEmpty();
    assertThat(detokenizer.add(euro.get(1))).isEmpty();
    assertThat(detokenizer.add(euro.get(2))).isEqualTo("€");
    assertThat(detokenizer.add(2)).isEqualTo(" world");
    assertThat(detokenizer.finish()).isEmpty();
  }

  @Test
  void keepsTheLeadingSpaceOfTokensAfterTheFirst() {
    StreamingDetokenizer detokenizer = StreamingDetokenizer.of(StreamingDetokenizerTest::decode);
    assertThat(detokenizer.add(1) + detokenizer.add(2) + detokenizer.add(1))
        .isEqualTo("Hello world Hello");
  }

  @Test
  void anIncompleteCharacterAtTheEndComesOutOfFinishAsTheOneShotDecodeWritesIt() {
    StreamingDetokenizer detokenizer = StreamingDetokenizer.of(StreamingDetokenizerTest::decode);
    List<Integer> ids = List.of(1, utf8Bytes("€").get(0));
    assertThat(detokenizer.add(ids.get(0))).isEqualTo("Hello");
    assertThat(detokenizer.add(ids.get(1))).isEmpty();
    assertThat(detokenizer.finish()).isEqualTo("\uFFFD").isEqualTo(decode(ids).substring(5));
  }

  @Test
  void withSpaceCleanupHoldsBackASpaceThatTheNextTokenRemoves() {
    Function<List<Integer>, String> decode =
        ids -> StreamingDetokenizer.cleanUpTokenizationSpaces(decode(ids));
    StreamingDetokenizer detokenizer = StreamingDetokenizer.withSpaceCleanup(decode);
    assertThat(detokenizer.add(1)).isEqualTo("Hello");
    assertThat(detokenizer.add(3)).isEmpty(); // "Hello " could become "Hello."
    assertThat(detokenizer.add(4)).isEqualTo(".");
    assertThat(detokenizer.add(5)).isEmpty(); // "Hello. n" could become "Hello.n't"
    assertThat(detokenizer.add(6)).isEqualTo("n't");
  }

  @Test
  void streamEqualsOneShotDecodeOnRandomSequences() {
    Random random = new Random(42);
    for (int round = 0; round < 2000; round++) {
      List<Integer> ids = randomIds(random);
      assertThat(stream(StreamingDetokenizer.of(StreamingDetokenizerTest::decode), ids))
          .as("ids %s", ids)
          .isEqualTo(decode(ids));
    }
  }

  /** Byte-level BPE (Llama 3, the family that cleans up spaces) strips no leading space. */
  private static String decodeWithoutStrip(List<Integer> ids) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int id : ids) {
      bytes.writeBytes(VOCAB.get(id));
    }
    return bytes.toString(StandardCharsets.UTF_8).replace('▁', ' ');
  }

  @Test
  void streamEqualsOneShotDecodeWithSpaceCleanupOnRandomSequences() {
    Function<List<Integer>, String> decode =
        ids -> StreamingDetokenizer.cleanUpTokenizationSpaces(decodeWithoutStrip(ids));
    Random random = new Random(7);
    for (int round = 0; round < 2000; round++) {
      List<Integer> ids = randomIds(random);
      assertThat(stream(StreamingDetokenizer.withSpaceCleanup(decode), ids))
          .as("ids %s", ids)
          .isEqualTo(decode.apply(ids));
    }
  }

  private static List<Integer> randomIds(Random random) {
    List<Integer> ids = new ArrayList<>();
    int length = random.nextInt(25);
    for (int i = 0; i < length; i++) {
      if (random.nextInt(4) == 0) {
        ids.addAll(utf8Bytes(random.nextBoolean() ? "é" : "😀"));
      } else if (random.nextInt(6) == 0) {
        ids.add(13 + random.nextInt(128)); // a stray byte: invalid UTF-8 on its own
      } else {
        ids.add(random.nextInt(13));
      }
    }
    if (!ids.isEmpty() && ids.getFirst() == SPECIAL) {
      ids.add(SPECIAL);
    }
    return ids;
  }
}
