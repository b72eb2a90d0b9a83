package org.llmplatform.structured.schema;

/**
 * How a model family writes tool calls: each call is {@code opener}, one JSON value, {@code
 * closer}; parallel calls one after the other with a newline between them.
 *
 * @param opener the text that opens a call (hermes: {@code "<tool_call>\n"}); may be empty only
 *     when {@code required}
 * @param closer the text that closes a call (hermes: {@code "\n</tool_call>"}); may be empty
 * @param required true: the output is calls only, the first at once; false: free text until the
 *     model writes the opener (a lazy grammar, triggered by it), then the call, then free text
 * @param parallel more than one call allowed
 */
public record ToolCallFormat(String opener, String closer, boolean required, boolean parallel) {
  public ToolCallFormat {
    if (opener == null || closer == null) {
      throw new IllegalArgumentException("opener and closer must not be null");
    }
    if (!required && opener.isEmpty()) {
      throw new IllegalArgumentException(
          "an opener is required when calls are not required (it triggers the grammar)");
    }
  }
}
