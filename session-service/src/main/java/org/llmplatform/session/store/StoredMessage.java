package org.llmplatform.session.store;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A message as one element of the Redis list (its seq is its position, so it is not stored).
 *
 * @param role who said it
 * @param content the text
 * @param tokenCount tokens when given, else null
 * @param timestamp when it was appended, epoch ms
 */
record StoredMessage(
    @JsonProperty("role") String role,
    @JsonProperty("content") String content,
    @JsonProperty("token_count") Integer tokenCount,
    @JsonProperty("ts") long timestamp) {}
