package org.llmplatform.api.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.IntPredicate;
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
  private final IntPredicate heldInRuns;
  private final List<Integer> ids = new ArrayList<>();
  private final StringBuilder emitted = new StringBuilder();
  private int prefixOffset;
  private int readOffset;
  private String prefixText = "";

  private StreamingDetokenizer(
      Function<List<Integer>, String> decode,
      Predicate<String> unstableTail,
      IntPredicate heldInRuns) {
    this.decode = Objects.requireNonNull(decode, "decode");
    this.unstableTail = unstableTail;
    this.heldInRuns = heldInRuns;
  }

  /**
   * This detokenizer, holding back the text of a run of the given ids until an id that is not one
   * of them (or the end) comes. For the byte tokens of a byte-fallback decoder (SentencePiece's
   * {@code <0x4B>}): Hugging Face's {@code ByteFallback} decodes a whole run of them at once and,
   * when the run is not valid UTF-8, writes every byte of it as U+FFFD, the valid ones too; so
   * {@code <0x4B>} is "K" until a lone {@code <0xF6>} follows it in the same run. Call it before
   * the first id.
   */
  public StreamingDetokenizer holdingBackRunsOf(IntPredicate ids) {
    if (!this.ids.isEmpty()) {
      throw new IllegalStateException("ids were already added");
    }
    return new StreamingDetokenizer(decode, unstableTail, ids);
  }

  /**
   * The byte tokens of a byte-fallback decoder, whose text a later byte token of the same run can
   * still change (see {@link #holdingBackRunsOf}), found by decoding, once per tokenizer: the ids
   * that decode alone to one ASCII character but to U+FFFD after a byte that is not UTF-8 on its
   * own, and then every id that decodes alone to U+FFFD or to nothing (a special token this decode
   * skips). None ({@link #NO_IDS}) for a decoder without byte fallback (byte-level BPE decodes
   * lossily: an invalid byte never changes its neighbours).
   *
   * @param decode the tokenizer's one-shot decode
   * @param vocabSize the ids to look at, 0 to {@code vocabSize - 1}
   */
  public static IntPredicate byteFallbackIds(
      Function<List<Integer>, String> decode, int vocabSize) {
    List<Integer> ascii = new ArrayList<>();
    BitSet invalid = new BitSet();
    BitSet empty = new BitSet();
    for (int id = 0; id < vocabSize; id++) {
      String alone = decode.apply(List.of(id));
      if (alone.equals("\uFFFD")) {
        invalid.set(id);
      } else if (alone.isEmpty()) {
        empty.set(id);
      } else if (alone.length() == 1 && alone.charAt(0) < 0x80) {
        ascii.add(id);
      }
    }
    BitSet held = new BitSet();
    if (!invalid.isEmpty()) {
      int invalidByte = invalid.nextSetBit(0);
      for (int id : ascii) {
        if (decode.apply(List.of(invalidByte, id)).equals("\uFFFD\uFFFD")) {
          held.set(id);
        }
      }
    }
    if (held.isEmpty()) {
      return NO_IDS;
    }
    held.or(invalid);
    held.or(empty); // a skipped special token does not end a run: the decoder never sees it
    return held::get;
  }

  /** What {@link #byteFallbackIds} finds for a decoder without byte fallback. */
  public static final IntPredicate NO_IDS = id -> false;

  /**
   * A detokenizer for a decoder without space clean-up.
   *
   * @param decode the tokenizer's one-shot decode (with the stream's skip-special-tokens choice)
   */
  public static StreamingDetokenizer of(Function<List<Integer>, String> decode) {
    return new StreamingDetokenizer(decode, StreamingDetokenizer::endsIncomplete, NO_IDS);
  }

  /**
   * A detokenizer for a decode that applies {@code clean_up_tokenization_spaces} (the tokenizer
   * service's {@code clean_up_tokenization_spaces} flag): it also holds back a tail such as {@code
   * " "} or {@code " n'"} that a later token could rewrite.
   */
  public static StreamingDetokenizer withSpaceCleanup(Function<List<Integer>, String> decode) {
    return new StreamingDetokenizer(
        decode, text -> endsIncomplete(text) || endsInCleanupPrefix(text), NO_IDS);
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
    if (heldInRuns.test(id)) {
      return ""; // its run may still turn out invalid UTF-8
    }
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
