package org.llmplatform.inference.kvcache;

/**
 * Told when the prefix cache starts or stops holding a block ({@link
 * org.llmplatform.api.inference.PrefixBlocks} hash). Called on the engine thread: an implementation
 * hands the change on and returns at once.
 */
public interface PrefixBlockListener {

  /** No one listens. */
  PrefixBlockListener NONE =
      new PrefixBlockListener() {
        @Override
        public void stored(long block) {}

        @Override
        public void removed(long block) {}
      };

  /** The first cached sequence holding {@code block} came in. */
  void stored(long block);

  /** The last cached sequence holding {@code block} left. */
  void removed(long block);
}
