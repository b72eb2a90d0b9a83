package org.llmplatform.gateway.generation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.llmplatform.api.inference.ModelInfo;
import org.llmplatform.api.inference.Usage;
import org.llmplatform.gateway.client.InferenceClient.GenerateEvent;
import org.llmplatform.gateway.generation.GenerationEvent.Finished;
import org.llmplatform.gateway.generation.GenerationEvent.TextDelta;
import org.llmplatform.gateway.model.ServedModel;
import org.llmplatform.gateway.model.TestTokenizers;
import org.llmplatform.gateway.model.TokenDecoder;

/**
 * The in-process detokenize hop against the tokenizer's own one-shot decode (differential), on real
 * tokenizers: byte-level BPE (tiny-llama) and SentencePiece with byte fallback (stories260K).
 */
class DetokenizationTest {

  private static final List<String> TEXTS =
      List.of(
          "Once upon a time, there was a little cat. She didn't like rain!",
          "日本語のテキストです。",
          "😀😃😄 and 👩‍👩‍👧 emoji",
          "naïve café costs €5 — ok?",
          "code: if (x != y) { return x's; }",
          "  spaces   and\n\nnew lines \t tabs",
          "Ünïcödé ∑ ∫ ≈ ≠ 𝔘𝔫𝔦");

  private final Detokenization detokenization = new Detokenization();

  static Stream<Arguments> tokenizers() {
    return Stream.of(
        Arguments.of("tiny-llama-gqa", false),
        Arguments.of("tiny-llama-gqa", true),
        Arguments.of("stories260K", false),
        Arguments.of("stories260K", true));
  }

  private static Path dir(String name) {
    return name.equals("stories260K")
        ? TestTokenizers.stories260K()
        : TestTokenizers.tinyLlamaGqa();
  }

  @ParameterizedTest(name = "{0}, clean-up {1}")
  @MethodSource("tokenizers")
  void textPiecesConcatenateToTheOneShotDecodeAndNeverSplitACharacter(
      String name, boolean cleansUp) {
    Path dir = dir(name);
    TokenDecoder decoder = TestTokenizers.decoder(dir, cleansUp);
    for (String text : TEXTS) {
      List<Integer> ids = TestTokenizers.encode(dir, text);
      List<GenerationEvent> events = run(decoder, ids, List.of());
      List<TextDelta> deltas = deltas(events);
      assertThat(deltas)
          .allSatisfy(d -> assertThat(d.text()).isNotEmpty().doesNotContain("\uFFFD"));
      assertThat(String.join("", deltas.stream().map(TextDelta::text).toList()))
          .as(text)
          .isEqualTo(decoder.decode(ids));
      assertThat(deltas.stream().mapToInt(d -> d.tokens().size()).sum()).isEqualTo(ids.size());
      assertThat(events.getLast()).isEqualTo(new Finished("length", 3, ids.size()));
    }
  }

  /**
   * Random texts from pieces that tokenize in many ways (words, punctuation the clean-up rewrites,
   * multi-byte characters), so token boundaries fall everywhere, also inside characters. (Random
   * ids are not used: on invalid UTF-8, SentencePiece's byte fallback replaces a whole run of byte
   * tokens once a later byte breaks it, which no stream can know in advance.)
   */
  @ParameterizedTest(name = "{0}, clean-up {1}")
  @MethodSource("tokenizers")
  void randomTextsStreamToTheOneShotDecode(String name, boolean cleansUp) {
    Path dir = dir(name);
    TokenDecoder decoder = TestTokenizers.decoder(dir, cleansUp);
    List<String> pieces =
        List.of(
            "the", " cat", " ", "  ", ".", " .", ",", " ,", "!", "?", " n't", "n't", " 's", "'",
            " ' ", "é", "€", "😀", "日本", "\n", "ü", "x", "Tom");
    Random random = new Random(11);
    for (int round = 0; round < 200; round++) {
      var text = new StringBuilder();
      int length = random.nextInt(20);
      for (int i = 0; i < length; i++) {
        text.append(pieces.get(random.nextInt(pieces.size())));
      }
      List<Integer> ids = TestTokenizers.encode(dir, text.toString());
      List<TextDelta> deltas = deltas(run(decoder, ids, List.of()));
      assertThat(String.join("", deltas.stream().map(TextDelta::text).toList()))
          .as("text %s, ids %s", text, ids)
          .isEqualTo(decoder.decode(ids));
      assertThat(deltas).allSatisfy(d -> assertThat(d.text()).doesNotContain("\uFFFD"));
    }
  }

  @Test
  void aCharacterSplitAcrossByteTokensComesOutWholeWithAllItsTokens() {
    Path dir = TestTokenizers.stories260K();
    TokenDecoder decoder = TestTokenizers.decoder(dir, false);
    List<Integer> ids = TestTokenizers.encode(dir, "a😀b");
    List<TextDelta> deltas = deltas(run(decoder, ids, List.of()));
    // the byte run is held to its end ("b"): one more byte token could still have made all of it
    // U+FFFD in the one-shot decode
    assertThat(deltas).extracting(TextDelta::text).containsExactly("a", "😀b");
    TextDelta emoji =
        deltas.stream().filter(d -> d.text().contains("😀")).findFirst().orElseThrow();
    assertThat(emoji.tokens()).as("%s", ids).hasSizeGreaterThanOrEqualTo(4); // F0 9F 98 80
  }

  /**
   * Found by tokenizer-service's TokenizerFuzzTest: stories260K's byte tokens K N 8 > then a lone
   * 0xF6 (ids 78 81 59 65 249) are five U+FFFD in the one-shot decode; "KN8>" was streamed first.
   */
  @Test
  void aByteRunThatEndsInvalidIsStreamedAsTheOneShotDecodeWritesIt() {
    Path dir = TestTokenizers.stories260K();
    TokenDecoder decoder = TestTokenizers.decoder(dir, false);
    List<Integer> ids = List.of(208, 363, 78, 81, 59, 65, 249, 467);
    List<TextDelta> deltas = deltas(run(decoder, ids, List.of()));
    assertThat(String.join("", deltas.stream().map(TextDelta::text).toList()))
        .isEqualTo(decoder.decode(ids))
        .contains("\uFFFD".repeat(5));
  }

  @Test
  void anEmojiSplitAcrossByteLevelTokensComesOutWhole() {
    Path dir = TestTokenizers.tinyLlamaGqa();
    TokenDecoder decoder = TestTokenizers.decoder(dir, false);
    List<Integer> ids = TestTokenizers.encode(dir, "😀");
    assertThat(ids).hasSizeGreaterThan(1);
    assertThat(deltas(run(decoder, ids, List.of())))
        .extracting(TextDelta::text)
        .containsExactly("😀");
  }

  @Test
  void aStopStringSpanningTokensCutsTheTextWhereItStarts() {
    Path dir = TestTokenizers.tinyLlamaGqa();
    TokenDecoder decoder = TestTokenizers.decoder(dir, false);
    String text = "Once upon a time, there was a little cat named Tom.";
    List<Integer> ids = TestTokenizers.encode(dir, text);
    String stop = "e, there w";
    int stopStart = text.indexOf(stop);
    // the stop string is not one token: it starts inside a token and spans several
    assertThat(TestTokenizers.encode(dir, stop)).hasSizeGreaterThan(1);
    List<GenerationEvent> events = run(decoder, ids, List.of(stop));
    assertThat(String.join("", deltas(events).stream().map(TextDelta::text).toList()))
        .isEqualTo(text.substring(0, stopStart));
    assertThat(events.getLast()).isInstanceOf(Finished.class);
    assertThat(((Finished) events.getLast()).finishReason()).isEqualTo("stop");
  }

  @Test
  void logprobsCarryEachTokensOwnText() {
    Path dir = TestTokenizers.tinyLlamaGqa();
    TokenDecoder decoder = TestTokenizers.decoder(dir, false);
    List<Integer> ids = TestTokenizers.encode(dir, "Hello world");
    var text = detokenization.start(model(decoder), 3, true);
    var events = new ArrayList<GenerationEvent>();
    for (int id : ids) {
      events.addAll(text.next(new GenerateEvent(0, id, -0.5, List.of(), null, null, null)));
    }
    events.addAll(text.next(finish(ids.size())));
    List<TextDelta> deltas = deltas(events);
    var tokenTexts = deltas.stream().flatMap(d -> d.tokens().stream()).map(t -> t.text()).toList();
    assertThat(String.join("", tokenTexts)).isEqualTo("Hello world");
    assertThat(deltas.getFirst().tokens().getFirst().logprob()).isEqualTo(-0.5);
  }

  private List<GenerationEvent> run(TokenDecoder decoder, List<Integer> ids, List<String> stops) {
    var text = detokenization.start(model(decoder), 3, false);
    var matcher = StopStrings.of(stops, 3);
    var out = new ArrayList<GenerationEvent>();
    var events = new ArrayList<GenerateEvent>();
    ids.forEach(id -> events.add(new GenerateEvent(0, id, null, null, null, null, null)));
    events.add(finish(ids.size()));
    for (GenerateEvent event : events) {
      for (GenerationEvent e : text.next(event)) {
        out.addAll(matcher.next(e));
      }
      if (!out.isEmpty() && out.getLast() instanceof Finished) {
        break;
      }
    }
    return out;
  }

  private static GenerateEvent finish(int completionTokens) {
    return new GenerateEvent(0, null, null, null, "length", new Usage(3, completionTokens), null);
  }

  private static ServedModel model(TokenDecoder decoder) {
    return new ServedModel(
        "test",
        "test",
        null,
        new ModelInfo("test", 512, 512, 1, 1, 8, "fp32", List.of(), "cpu"),
        decoder,
        null);
  }

  private static List<TextDelta> deltas(List<GenerationEvent> events) {
    return events.stream().filter(TextDelta.class::isInstance).map(TextDelta.class::cast).toList();
  }
}
