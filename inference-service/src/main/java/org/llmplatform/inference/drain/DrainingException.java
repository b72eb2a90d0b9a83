package org.llmplatform.inference.drain;

/** A generation asked of a service that is shutting down: 503 {@code draining}. */
public final class DrainingException extends RuntimeException {

  DrainingException() {
    super("the service is shutting down and takes no new generation; send it to another replica");
  }
}
