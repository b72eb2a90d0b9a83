package org.llmplatform.gateway.observability;

import io.micrometer.core.instrument.MeterRegistry;

/** Builds {@link GatewayMetrics} over a given registry for tests outside its package. */
public final class GatewayMetricsFactory {

  private GatewayMetricsFactory() {}

  public static GatewayMetrics of(MeterRegistry registry) {
    return new GatewayMetrics(registry);
  }
}
