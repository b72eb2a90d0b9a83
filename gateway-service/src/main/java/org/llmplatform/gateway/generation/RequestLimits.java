package org.llmplatform.gateway.generation;

import org.llmplatform.gateway.GatewayProperties;
import org.llmplatform.gateway.error.ApiException;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The configured limits every generating request is held to (400 naming the field): the tokens it
 * may ask for, its stop strings and its choices. What only one API has (messages, prompts) its
 * handler checks.
 */
@Component
public class RequestLimits {

  private final GatewayProperties.Limits limits;

  RequestLimits(GatewayProperties properties) {
    this.limits = properties.limits();
  }

  public GatewayProperties.Limits limits() {
    return limits;
  }

  /**
   * @param maxTokensField the name the client gave the token limit ({@code max_tokens} or {@code
   *     max_completion_tokens})
   */
  public Mono<Void> check(SamplingParams sampling, String maxTokensField, int choices) {
    Integer max = sampling.maxTokens();
    if (max != null && max > limits.maxTokens()) {
      return refuse(maxTokensField, "at most " + limits.maxTokens() + " tokens may be asked for");
    }
    if (sampling.stop().size() > limits.maxStop()) {
      return refuse("stop", "at most " + limits.maxStop() + " stop strings");
    }
    if (choices > limits.maxChoices()) {
      return refuse("n", "at most " + limits.maxChoices() + " choices (n) per request");
    }
    return Mono.empty();
  }

  public static Mono<Void> refuse(String field, String message) {
    return Mono.error(ApiException.invalidRequest(field, message));
  }
}
