package org.llmplatform.inference.api;

/** A non-streamed generation ended with an error in the engine (HTTP 500). */
class GenerationFailedException extends RuntimeException {
  GenerationFailedException(String message) {
    super(message);
  }
}
