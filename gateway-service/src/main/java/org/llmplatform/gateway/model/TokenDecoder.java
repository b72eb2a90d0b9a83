package org.llmplatform.gateway.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import org.llmplatform.api.tokenizer.StreamingDetokenizer;

/**
 * A model's decode (ids → text), in-process: the model's {@code tokenizer.json}, as
 * tokenizer-service publishes it, loaded into the same Hugging Face tokenizers library that
 * tokenizer-service runs, then {@code clean_up_tokenization_spaces} when the model asks for it. So
 * the text is exactly tokenizer-service's {@code /detokenize}, without a call per token. Special
 * tokens are skipped. Thread-safe (the native tokenizer is immutable); a few microseconds per call.
 */
public final class TokenDecoder implements AutoCloseable {

  private final HuggingFaceTokenizer tokenizer;
  private final boolean cleansUpSpaces;
  private IntPredicate byteFallback = id -> false;

  private TokenDecoder(HuggingFaceTokenizer tokenizer, boolean cleansUpSpaces) {
    this.tokenizer = tokenizer;
    this.cleansUpSpaces = cleansUpSpaces;
  }

  /**
   * Loads a {@code tokenizer.json} (parsing it is CPU and native work: call it off the event loop).
   *
   * @param cleansUpSpaces the tokenizer's {@code clean_up_tokenization_spaces}
   * @param vocabSize the tokenizer's ids: each is decoded once here, to find the byte tokens a
   *     stream holds back (see {@link StreamingDetokenizer#byteFallbackIds})
   */
  public static TokenDecoder load(byte[] tokenizerJson, boolean cleansUpSpaces, int vocabSize)
      throws IOException {
    TokenDecoder decoder =
        new TokenDecoder(
            HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), Map.of()),
            cleansUpSpaces);
    decoder.byteFallback = StreamingDetokenizer.byteFallbackIds(decoder::decode, vocabSize);
    return decoder;
  }

  /** The one-shot decode of {@code ids}, skipping special tokens. */
  public String decode(List<Integer> ids) {
    long[] raw = new long[ids.size()];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = ids.get(i);
    }
    String text = tokenizer.decode(raw, true);
    return cleansUpSpaces ? StreamingDetokenizer.cleanUpTokenizationSpaces(text) : text;
  }

  /** A new incremental detokenizer over this decode, for one stream. */
  public StreamingDetokenizer stream() {
    return StreamingDetokenizer.create(this::decode, cleansUpSpaces)
        .holdingBackRunsOf(byteFallback);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
