package org.llmplatform.inference;

import org.llmplatform.inference.engine.InferenceEngine;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** UP once the model has loaded and run its warm-up step; part of the readiness group. */
@Component("model")
class ModelHealthIndicator implements HealthIndicator {

  private final InferenceEngine engine;

  ModelHealthIndicator(InferenceEngine engine) {
    this.engine = engine;
  }

  @Override
  public Health health() {
    var spec = engine.spec();
    var builder = engine.isReady() ? Health.up() : Health.down();
    return builder.withDetail("name", spec.name()).withDetail("device", engine.device()).build();
  }
}
