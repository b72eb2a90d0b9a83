package org.llmplatform.session;

import org.springframework.test.context.TestPropertySource;

/** The 50-client append race of {@link ConcurrentAppendTest} against the in-memory store. */
@TestPropertySource(properties = "llm.session.store=memory")
class InMemoryConcurrentAppendTest extends ConcurrentAppendTest {}
