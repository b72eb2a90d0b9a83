package org.llmplatform.api.inference;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The first event of a KV-cache event stream: the prefix blocks the replica holds now (at most
 * {@link KvEvent#MAX_BLOCKS}; the rest follow as {@link KvBlocks} {@code stored}). The reader
 * forgets what it knew of the replica and takes these.
 *
 * @param blockTokens tokens per block the replica hashes ({@link PrefixBlocks#TOKENS}); a reader
 *     that hashes prompts in other blocks cannot use the stream
 * @param blocks the {@link PrefixBlocks} hashes held
 */
public record KvSnapshot(
    @JsonProperty("block_tokens") int blockTokens, @JsonProperty("blocks") List<Long> blocks)
    implements KvEvent {

  public KvSnapshot {
    if (blockTokens < 1) {
      throw new IllegalArgumentException("block_tokens must be positive");
    }
    blocks = List.copyOf(blocks); // no nulls
  }

  @Override
  public String sseName() {
    return SNAPSHOT;
  }
}
