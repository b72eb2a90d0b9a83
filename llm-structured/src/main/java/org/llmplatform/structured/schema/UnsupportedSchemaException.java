package org.llmplatform.structured.schema;

/**
 * The schema uses a keyword (or a form of one) that the engine cannot enforce exactly; it is
 * refused rather than loosened. The API answers it with HTTP 400 naming {@link #keyword()}.
 */
public final class UnsupportedSchemaException extends RuntimeException {
  private final String keyword;

  public UnsupportedSchemaException(String keyword, String detail) {
    super("unsupported schema keyword '" + keyword + "': " + detail);
    this.keyword = keyword;
  }

  public String keyword() {
    return keyword;
  }
}
