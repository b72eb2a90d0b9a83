package org.llmplatform.http.auth;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may call a service's endpoints ({@code llm.internal.*}).
 *
 * <p>With a token set, every endpoint of tokenizer-, inference- and session-service except actuator
 * health and metrics answers 401 unless the request carries {@value #HEADER} with that value, and
 * the gateway sends it. Without one, an internal service listens on 127.0.0.1 only and logs a
 * warning that it is unauthenticated.
 *
 * @param token the shared secret of the platform's services (env {@code LLM_INTERNAL_TOKEN}): at
 *     least 16 visible ASCII characters, the same on all four services; unset by default
 * @param publicEdge true on the gateway only (its {@code application.yml} sets it): the platform's
 *     public edge, guarded by its own API keys; its port is neither guarded by the token nor bound
 *     to 127.0.0.1, and it sends the token to the internal services
 */
@ConfigurationProperties("llm.internal")
public record InternalAccessProperties(String token, @DefaultValue("false") boolean publicEdge) {

  /** The request header that carries the token. */
  public static final String HEADER = "X-Internal-Token";

  /** The property that holds the token. */
  public static final String TOKEN_PROPERTY = "llm.internal.token";

  static final int MIN_TOKEN_LENGTH = 16;

  public InternalAccessProperties {
    if (token != null && token.isBlank()) {
      token = null;
    }
    if (token != null) {
      if (token.length() < MIN_TOKEN_LENGTH) {
        throw new IllegalArgumentException(
            TOKEN_PROPERTY + " must be at least " + MIN_TOKEN_LENGTH + " characters long");
      }
      if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
        throw new IllegalArgumentException(
            TOKEN_PROPERTY + " must be visible ASCII characters only (it travels in a header)");
      }
    }
  }

  /** Whether a token is configured. */
  public boolean hasToken() {
    return token != null;
  }
}
