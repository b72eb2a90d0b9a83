package org.llmplatform.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * Every test of {@link ToolCallsApiTest} again with {@code llm.session.store=memory}; the one that
 * looks into Redis checks that nothing was written there instead.
 */
@TestPropertySource(properties = "llm.session.store=memory")
class InMemoryToolCallsApiTest extends ToolCallsApiTest {

  @Override
  @Test
  void aMessageWithoutTheNewFieldsIsStoredInRedisAsBefore() {
    new SessionCalls(http).create(owner);
    assertThat(redis.keys(properties.keyPrefix() + "*").collectList().block())
        .as("nothing written to Redis")
        .isEmpty();
  }
}
