package org.llmplatform.inference.constraint;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import org.llmplatform.inference.InferenceProperties;
import org.llmplatform.inference.engine.InferenceEngine;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Constrained decoding for the served model (its vocabulary read once at start-up). */
@Configuration(proxyBeanMethods = false)
class ConstraintConfiguration {

  @Bean(destroyMethod = "close")
  OutputConstraints outputConstraints(
      InferenceProperties properties,
      InferenceEngine engine,
      ConstraintProperties constraint,
      MeterRegistry registry) {
    return OutputConstraints.forModel(
        Path.of(properties.model().dir()), engine.spec(), constraint, registry);
  }
}
