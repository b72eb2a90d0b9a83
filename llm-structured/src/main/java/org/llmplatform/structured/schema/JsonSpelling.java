package org.llmplatform.structured.schema;

/**
 * How freely a grammar lets a JSON instance be spelled where JSON (or JSON Schema) gives a choice.
 *
 * @param maxWhitespace bytes of white space allowed between two JSON tokens
 * @param zeroFractionIntegers whether an integer may be written {@code 1.0} (where the schema's
 *     draft counts it as one)
 */
record JsonSpelling(int maxWhitespace, boolean zeroFractionIntegers) {
  /** Every spelling a validator accepts, white space bounded (a model cannot loop on it). */
  static final JsonSpelling LENIENT = new JsonSpelling(Lexemes.MAX_WHITESPACE, true);

  /**
   * As a model trained on tools writes a call: one white-space byte between tokens at most,
   * integers without a fraction (a base model given 24 bytes spent most of its tokens on white
   * space, and wrote {@code -3.0} for a count).
   */
  static final JsonSpelling COMPACT = new JsonSpelling(1, false);
}
