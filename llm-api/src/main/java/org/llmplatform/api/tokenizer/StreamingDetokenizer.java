package org.llmplatform.api.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Turns token ids arriving one at a time into text pieces whose concatenation equals the one-shot
 * decode of all the ids.
 *
 * <p>A piece is emitted only when it is complete and final: a token may hold half of a UTF-8
 * character (byte fallback, byte-level BPE), SentencePiece decoders strip the first token's leading
 * space, and {@code clean_up_tokenization_spaces} rewrites {@code " ."} to {@code "."} when the dot
 * arrives. So the detokenizer decodes a short window of recent ids (the ids of the previous piece,
 * for context, plus the new ones), emits what the window adds to the previous piece's text, and
 * holds everything back while that text ends in U+FFFD or in a tail that later ids could rewrite
 * (the approach of Hugging Face's text-generation-inference and vLLM). {@link #finish()} emits what
 * is left, so that nothing is lost at the end of a stream.
 *
 * <p>Pure Java: it needs only the tokenizer's {@code decode(ids) -> String}, local or remote. Not
 * thread-safe: one instance per stream.
 */
public final class StreamingDetokenizer {

  /** Patterns of transformers' {@code clean_up_tokenization}, each starting with a space. */
  private static final List<String> CLEANUP_PATTERNS =
      List.of(" .", " ?", " !", " ,", " ' ", " n't", " 'm", " 's", " 've", " 're");

  private final Function<List<Integer>, String> decode;
  private final Predicate<String> unstableTail;
  private final List<Integer> ids = new ArrayList<>();
  private final StringBuilder emitted = new StringBuilder();
  private int prefixOffset;
  private int readOffset;
  private String prefixText = "";

  private StreamingDetokenizer(
      Function<List<Integer>, String> decode, Predicate<String> unstableTail) {
    this.decode = Objects.requireNonNull(decode, "decode");
    this.unstableTail = unstableTail;
  }

  /**
   * A detokenizer for a decoder without space clean-up.
   *
   * @param decode the tokenizer's one-shot decode (with the stream's skip-special-tokens choice)
   */
  public static StreamingDetokenizer of(Function<List<Integer>, String> decode) {
    return new StreamingDetokenizer(decode, StreamingDetokenizer::endsIncomplete);
  }

  /**
   * A detokenizer for a decode that applies {@code clean_up_tokenization_spaces} (the tokenizer
   * service's {@code clean_up_tokenization_spaces} flag): it also holds back a tail such as {@code
   * " "} or {@code " n'"} that a later token could rewrite.
   */
  public static StreamingDetokenizer withSpaceCleanup(Function<List<Integer>, String> decode) {
    return new StreamingDetokenizer(
        decode, text -> endsIncomplete(text) || endsInCleanupPrefix(text));
  }

  /** Chooses {@link #withSpaceCleanup} or {@link #of} from the tokenizer's clean-up flag. */
  public static StreamingDetokenizer create(
      Function<List<Integer>, String> decode, boolean cleansUpSpaces) {
    return cleansUpSpaces ? withSpaceCleanup(decode) : of(decode);
  }

  /**
   * Feeds the next id.
   *
   * @return the text that became complete and final with it; empty when it is held back
   */
  public String add(int id) {
    ids.add(id);
    String text = decode.apply(List.copyOf(ids.subList(prefixOffset, ids.size())));
    if (text.length() <= prefixText.length()
        || !text.startsWith(prefixText)
        || unstableTail.test(text)) {
      return "";
    }
    String piece = text.substring(prefixText.length());
    prefixOffset = readOffset;
    readOffset = ids.size();
    prefixText = decode.apply(List.copyOf(ids.subList(prefixOffset, readOffset)));
    emitted.append(piece);
    return piece;
  }

  /**
   * Ends the stream.
   *
   * @return the text still held back (an incomplete character comes out as U+FFFD, as the one-shot
   *     decode writes it)
   */
  public String finish() {
    String all = decode.apply(List.copyOf(ids));
    String rest =
        all.startsWith(emitted.toString())
            ? all.substring(emitted.length())
            : tailAfterCommonPrefix(all);
    emitted.append(rest);
    prefixOffset = ids.size();
    readOffset = ids.size();
    prefixText = "";
    return rest;
  }

  /**
   * transformers' {@code clean_up_tokenization}: no space before punctuation and contractions. A
   * decode for {@link #withSpaceCleanup} applies it to the tokenizer's output when the model's
   * {@code clean_up_tokenization_spaces} is set.
   */
  public static String cleanUpTokenizationSpaces(String text) {
    return text.replace(" .", ".")
        .replace(" ?", "?")
        .replace(" !", "!")
        .replace(" ,", ",")
        .replace(" ' ", "'")
        .replace(" n't", "n't")
        .replace(" 'm", "'m")
        .replace(" 's", "'s")
        .replace(" 've", "'ve")
        .replace(" 're", "'re");
  }

  /** The text emitted so far. */
  public String text() {
    return emitted.toString();
  }

  private String tailAfterCommonPrefix(String all) {
    int common = 0;
    int max = Math.min(all.length(), emitted.length());
    while (common < max && all.charAt(common) == emitted.charAt(common)) {
      common++;
    }
    return all.substring(Math.min(all.length(), Math.max(common, emitted.length())));
  }

  private static boolean endsIncomplete(String text) {
    return !text.isEmpty() && text.charAt(text.length() - 1) == '\uFFFD'
        || !text.isEmpty() && Character.isHighSurrogate(text.charAt(text.length() - 1));
  }

  private static boolean endsInCleanupPrefix(String text) {
    if (text.endsWith("'")) {
      return true; // " ' " collapses to "'", unless a "." follows and " ." is replaced first
    }
    for (String pattern : CLEANUP_PATTERNS) {
      for (int len = 1; len < pattern.length(); len++) {
        if (text.endsWith(pattern.substring(0, len))) {
          return true;
        }
      }
    }
    return false;
  }
}
