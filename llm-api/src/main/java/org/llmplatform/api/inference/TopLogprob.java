package org.llmplatform.api.inference;

import com.fasterxml.jackson.annotation.JsonProperty;

/** An alternative token and its log-probability. */
public record TopLogprob(
    @JsonProperty("token_id") int tokenId, @JsonProperty("logprob") double logprob) {}
