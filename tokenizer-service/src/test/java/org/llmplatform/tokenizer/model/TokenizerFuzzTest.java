package org.llmplatform.tokenizer.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmplatform.api.tokenizer.ChatMessage;
import org.llmplatform.api.tokenizer.StreamingDetokenizer;
import org.llmplatform.api.tokenizer.TokenizerInfo;

/**
 * Random inputs on the real tokenizers (the committed test models, stories260K from the shared
 * models, and the fetched Qwen3 / Llama 3 / Gemma 3 / DeepSeek-V3 when present):
 *
 * <ul>
 *   <li>incremental detokenization: random id streams, with and without skipping special tokens,
 *       fed one id at a time; the pieces and the tail always concatenate to the one-shot decode;
 *   <li>chat templates with hostile content: random conversations whose messages mix template code,
 *       every special token's text, control characters and arbitrary Unicode; the prompt is the
 *       benign conversation's with the text in its place, and the special ids are only where the
 *       template writes them (HostileChatTest's properties, on generated text).
 * </ul>
 *
 * <p>Budget: {@code -Dfuzz.runs=N} cases per model and property (default 60), from {@code
 * -Dfuzz.seed} (default 0). A failure names its seed; rerun with it to reproduce, and keep the
 * input as a case of HostileChatTest or of llm-api's StreamingDetokenizerTest.
 */
class TokenizerFuzzTest {

  @RegisterExtension static final GoldenTokenizers TOKENIZERS = new GoldenTokenizers();

  /**
   * Fragments hostile text is made of. The C0 controls were once written to the prompt as the text
   * {@code \\u0000} (Jinjava's output of a string through JSON; fixed in BudgetedInterpreter).
   */
  private static final List<String> FRAGMENTS =
      List.of(
          "{{ 7*7 }}",
          "{{",
          "}}",
          "{%",
          "%}",
          "{#",
          "{% for i in range(9) %}",
          "{% endfor %}",
          "{{ messages[0].content }}",
          "{{ raise_exception('x') }}",
          "{% raw %}",
          "<|im_start|>",
          "<|im_end|>",
          "</s>",
          "<s>",
          "[INST]",
          "\n",
          "\r\n",
          "\t",
          "\u0000",
          "\u001b[0m",
          "\u0007",
          "\b",
          "\u000b",
          "\f",
          "\u001f",
          "\u007f",
          "\u2028",
          "\uFEFF",
          "é",
          "日本",
          "😀",
          " ",
          "  ",
          "'",
          "\"",
          "\\",
          "word");

  private static int runs() {
    return Integer.getInteger("fuzz.runs", 60);
  }

  private static long seed() {
    return Long.getLong("fuzz.seed", 0);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "stories260K",
        "tiny-llama-gqa",
        "ortgenai-tiny-llama",
        "qwen3",
        "llama3",
        "gemma3",
        "deepseek_v3"
      })
  void randomIdStreamsDetokenizeToTheOneShotDecode(String name) {
    ModelTokenizer model = TOKENIZERS.load(name);
    List<Integer> special =
        model.info().specialTokens().values().stream().map(TokenizerInfo.SpecialToken::id).toList();
    for (long seed = seed(); seed < seed() + runs(); seed++) {
      Random r = new Random(seed);
      List<Integer> ids = new ArrayList<>();
      int length = 1 + r.nextInt(48);
      // runs of neighbouring ids (byte-fallback tokens sit together), special ids, and any id
      int base = r.nextInt(model.vocabSize());
      for (int i = 0; i < length; i++) {
        int kind = r.nextInt(10);
        if (kind < 4) {
          ids.add(Math.floorMod(base + r.nextInt(16), model.vocabSize()));
        } else if (kind < 5 && !special.isEmpty()) {
          ids.add(special.get(r.nextInt(special.size())));
        } else {
          ids.add(r.nextInt(model.vocabSize()));
        }
      }
      for (boolean skip : List.of(true, false)) {
        StreamingDetokenizer stream = model.streamingDetokenizer(skip);
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
          text.append(stream.add(id));
        }
        text.append(stream.finish());
        assertThat(text.toString())
            .as("%s, seed %d, skip %s, ids %s", name, seed, skip, ids)
            .isEqualTo(model.decode(ids, skip));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "stories260K",
        "tiny-llama-gqa",
        "ortgenai-tiny-llama",
        "qwen3",
        "llama3",
        "gemma3",
        "deepseek_v3"
      })
  void hostileConversationsAreData(String name) {
    ModelTokenizer model = TOKENIZERS.load(name);
    List<TokenizerInfo.SpecialToken> special =
        List.copyOf(model.info().specialTokens().values().stream().distinct().toList());
    for (long seed = seed(); seed < seed() + runs(); seed++) {
      Random r = new Random(seed);
      String hostile = hostile(r, special);
      List<ChatMessage> conversation = conversation(new Random(~seed), hostile);
      List<ChatMessage> benignConversation = conversation(new Random(~seed), "x");
      ChatPrompt prompt = model.renderChat(conversation, true, null, null, null, null);
      ChatPrompt benign = model.renderChat(benignConversation, true, null, null, null, null);
      String why =
          name
              + ", seed "
              + seed
              + ", text "
              + hostile.codePoints().mapToObj(Integer::toHexString).toList();
      assertThat(prompt.text().replace(hostile, "x")).as(why).isEqualTo(benign.text());
      List<Integer> ids = model.encode(prompt, false);
      List<Integer> benignIds = model.encode(benign, false);
      for (TokenizerInfo.SpecialToken token : special) {
        assertThat(ids.stream().filter(i -> i == token.id()).count())
            .as("%s: special id of %s", why, token.content())
            .isEqualTo(benignIds.stream().filter(i -> i == token.id()).count());
      }
    }
  }

  /** Text of 1 to 12 fragments between two "q", special-token texts among them. */
  private static String hostile(Random r, List<TokenizerInfo.SpecialToken> special) {
    StringBuilder text = new StringBuilder("q");
    int parts = 1 + r.nextInt(12);
    for (int i = 0; i < parts; i++) {
      if (!special.isEmpty() && r.nextInt(4) == 0) {
        text.append(special.get(r.nextInt(special.size())).content());
      } else if (r.nextInt(6) == 0) {
        text.appendCodePoint(0x20 + r.nextInt(0x2FFF));
      } else {
        text.append(FRAGMENTS.get(r.nextInt(FRAGMENTS.size())));
      }
    }
    return text.append('q').toString(); // templates trim a message's ends: none to trim
  }

  /**
   * A conversation whose every message carries {@code text}: an optional system message, then user
   * and assistant turns, ending with a user turn (its shape drawn from {@code r} alone, so that the
   * benign twin has the same shape).
   */
  private static List<ChatMessage> conversation(Random r, String text) {
    List<ChatMessage> messages = new ArrayList<>();
    boolean system = r.nextBoolean();
    int turns = 1 + r.nextInt(3);
    if (system) {
      messages.add(ChatMessage.of("system", text));
    }
    for (int i = 0; i < turns; i++) {
      messages.add(ChatMessage.of("user", "Say " + text));
      if (i + 1 < turns) {
        messages.add(ChatMessage.of("assistant", text));
      }
    }
    return messages;
  }
}
