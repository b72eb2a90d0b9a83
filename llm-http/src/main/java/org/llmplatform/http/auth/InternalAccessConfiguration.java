package org.llmplatform.http.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.server.WebFilter;

/**
 * The internal-token rule, auto-configured in every service that has llm-http: on tokenizer-,
 * inference- and session-service, {@link InternalTokenFilter} when {@code llm.internal.token} is
 * set, and a warning when it is not (the service then listens on 127.0.0.1 only, see {@link
 * LoopbackWithoutToken}). The gateway ({@code llm.internal.public-edge=true}) only reads the token,
 * to send it.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@EnableConfigurationProperties(InternalAccessProperties.class)
public class InternalAccessConfiguration {

  private static final Logger log = LoggerFactory.getLogger(InternalAccessConfiguration.class);

  @Bean
  @ConditionalOnBooleanProperty(
      name = "llm.internal.public-edge",
      havingValue = false,
      matchIfMissing = true)
  WebFilter internalTokenFilter(InternalAccessProperties internal, Environment environment) {
    if (internal.hasToken()) {
      log.info(
          "internal endpoints require the {} header (actuator health and metrics do not)",
          InternalAccessProperties.HEADER);
      return new InternalTokenFilter(internal.token());
    }
    String address = environment.getProperty("server.address");
    if (LoopbackWithoutToken.isLoopback(address)) {
      log.warn(
          "{} (env LLM_INTERNAL_TOKEN) is not set: this service's endpoints are UNAUTHENTICATED;"
              + " it listens on {} only. Set the token on all four services to serve other hosts.",
          InternalAccessProperties.TOKEN_PROPERTY,
          address);
    } else {
      log.warn(
          "*** {} (env LLM_INTERNAL_TOKEN) is not set, and server.address={} exposes this"
              + " service's UNAUTHENTICATED endpoints to every host that reaches its port: anyone"
              + " can read or write any tenant's data. Set the token on all four services. ***",
          InternalAccessProperties.TOKEN_PROPERTY,
          address == null ? "(all interfaces)" : address);
    }
    return (exchange, chain) -> chain.filter(exchange);
  }
}
