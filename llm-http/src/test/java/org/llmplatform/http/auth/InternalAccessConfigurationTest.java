package org.llmplatform.http.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.web.server.WebFilter;

/**
 * Which filter the auto-configuration gives a service, and which tokens it refuses to start with.
 */
class InternalAccessConfigurationTest {

  private final ReactiveWebApplicationContextRunner runner =
      new ReactiveWebApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(InternalAccessConfiguration.class));

  @Test
  void anInternalServiceWithATokenGetsTheFilter() {
    runner
        .withPropertyValues("llm.internal.token=0123456789abcdef")
        .run(
            context ->
                assertThat(context)
                    .getBean(WebFilter.class)
                    .isInstanceOf(InternalTokenFilter.class));
  }

  @Test
  void anInternalServiceWithoutATokenLetsEverythingThrough() {
    runner.run(
        context ->
            assertThat(context)
                .getBean(WebFilter.class)
                .isNotInstanceOf(InternalTokenFilter.class));
  }

  @Test
  void thePublicEdgeGetsNoFilterButKnowsTheToken() {
    runner
        .withPropertyValues("llm.internal.public-edge=true", "llm.internal.token=0123456789abcdef")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(WebFilter.class);
              assertThat(context.getBean(InternalAccessProperties.class).token())
                  .isEqualTo("0123456789abcdef");
            });
  }

  @Test
  void aBlankTokenIsNoToken() {
    runner
        .withPropertyValues("llm.internal.token=  ")
        .run(
            context ->
                assertThat(context.getBean(InternalAccessProperties.class).hasToken()).isFalse());
  }

  @Test
  void aShortTokenStopsStartUp() {
    runner
        .withPropertyValues("llm.internal.token=short")
        .run(
            context ->
                assertThat(context)
                    .hasFailed()
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("at least 16 characters"));
  }

  @Test
  void aTokenThatCannotTravelInAHeaderStopsStartUp() {
    runner
        .withPropertyValues("llm.internal.token=0123456789 abcdef")
        .run(
            context ->
                assertThat(context)
                    .hasFailed()
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("visible ASCII"));
  }
}
