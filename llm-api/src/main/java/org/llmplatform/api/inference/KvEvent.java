package org.llmplatform.api.inference;

/**
 * An event of inference-service's KV-cache event stream ({@code GET /v1/internal/kv-events}, SSE):
 * which prefixes its prefix cache can serve, as {@link PrefixBlocks} hashes, and its load. A block
 * held means a prompt that starts with the prefix up to that block finds it cached; the reader
 * takes the deepest block of a prompt that a replica holds. (inference-service reuses whole cached
 * sequences, so it publishes the last whole block of each; an engine that reuses any cached block
 * would publish them all.) A stream opens with a {@link KvSnapshot} (the blocks held now, replacing
 * whatever the reader knew of the replica), then {@link KvBlocks} deltas and a {@link KvLoad} about
 * once a second. The SSE {@code event:} name tells which record the {@code data:} holds.
 */
public sealed interface KvEvent permits KvSnapshot, KvBlocks, KvLoad {

  /** SSE event name of a {@link KvSnapshot}. */
  String SNAPSHOT = "snapshot";

  /** SSE event name of a {@link KvBlocks}. */
  String BLOCKS = "blocks";

  /** SSE event name of a {@link KvLoad}. */
  String LOAD = "load";

  /** Most block hashes one event carries; a larger snapshot goes on in {@link KvBlocks} events. */
  int MAX_BLOCKS = 8192;

  /** This event's SSE {@code event:} name. */
  String sseName();
}
