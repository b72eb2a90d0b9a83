package org.llmplatform.http.auth;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Without {@code llm.internal.token}, an internal service (not {@code llm.internal.public-edge})
 * listens on 127.0.0.1 only: {@code server.address=127.0.0.1} as the lowest-precedence default,
 * which an explicit {@code server.address} still overrides (and {@link InternalAccessConfiguration}
 * then warns loudly). Runs after the config files are read.
 */
class LoopbackWithoutToken implements EnvironmentPostProcessor, Ordered {

  static final String LOOPBACK = "127.0.0.1";
  static final String SOURCE = "llmInternalLoopbackDefault";

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    String token = environment.getProperty(InternalAccessProperties.TOKEN_PROPERTY);
    boolean publicEdge =
        environment.getProperty("llm.internal.public-edge", Boolean.class, Boolean.FALSE);
    if (publicEdge || (token != null && !token.isBlank())) {
      return;
    }
    environment
        .getPropertySources()
        .addLast(new MapPropertySource(SOURCE, Map.of("server.address", LOOPBACK)));
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }

  static boolean isLoopback(String address) {
    return address != null
        && (address.startsWith("127.")
            || address.equals("::1")
            || address.equals("[::1]")
            || address.equalsIgnoreCase("localhost"));
  }
}
