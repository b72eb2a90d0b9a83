package org.llmplatform.api.inference;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Blocks the replica's prefix cache started or stopped holding since its last event: a block is
 * stored when the first cached sequence holding it comes in and removed when the last one leaves. A
 * block is in at most one of the lists.
 *
 * @param stored {@link PrefixBlocks} hashes now held
 * @param removed hashes no longer held
 */
public record KvBlocks(
    @JsonProperty("stored") List<Long> stored, @JsonProperty("removed") List<Long> removed)
    implements KvEvent {

  public KvBlocks {
    stored = stored == null ? List.of() : List.copyOf(stored);
    removed = removed == null ? List.of() : List.copyOf(removed);
  }

  @Override
  public String sseName() {
    return BLOCKS;
  }
}
