package org.llmplatform.inference.api;

/**
 * A non-streamed generation ended with an error in the engine: HTTP 500 {@code internal_error}; the
 * engine's text goes to the log only.
 */
class GenerationFailedException extends RuntimeException {
  GenerationFailedException(String message) {
    super(message);
  }
}
