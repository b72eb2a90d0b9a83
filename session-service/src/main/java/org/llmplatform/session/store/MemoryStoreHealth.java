package org.llmplatform.session.store;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * With {@code llm.session.store=memory} Redis is not used, so its health indicator is switched off
 * ({@code management.health.redis.enabled=false}, as a default an explicit setting overrides): an
 * absent Redis then does not make the service DOWN.
 */
class MemoryStoreHealth implements EnvironmentPostProcessor {

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    if ("memory".equalsIgnoreCase(environment.getProperty("llm.session.store", "redis").trim())) {
      environment
          .getPropertySources()
          .addLast(
              new MapPropertySource(
                  "llmSessionMemoryStore", Map.of("management.health.redis.enabled", "false")));
    }
  }
}
