package org.llmplatform.api.inference;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Token counts of one generation. */
public record Usage(
    @JsonProperty("prompt_tokens") int promptTokens,
    @JsonProperty("completion_tokens") int completionTokens) {}
