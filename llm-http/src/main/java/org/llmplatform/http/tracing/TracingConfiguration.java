package org.llmplatform.http.tracing;

import io.micrometer.tracing.Tracer;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

/**
 * Tracing as every service has it: Micrometer Tracing's OpenTelemetry bridge (Spring Boot's
 * auto-configuration) makes one span per HTTP request served and per call made with the {@code
 * WebClient.Builder}, continuing the caller's {@code traceparent}; spans are exported over OTLP
 * when {@code management.opentelemetry.tracing.export.otlp.endpoint} is set. This adds the trace id
 * to every response ({@link TraceIdHeaderFilter}).
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(Tracer.class)
public class TracingConfiguration {

  @Bean
  TraceIdHeaderFilter traceIdHeaderFilter() {
    return new TraceIdHeaderFilter();
  }
}
