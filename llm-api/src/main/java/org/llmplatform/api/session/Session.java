package org.llmplatform.api.session;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Map;
import org.llmplatform.api.error.InvalidFieldException;

/**
 * A conversation as the session service describes it (without its messages).
 *
 * @param id random, unguessable id ({@code sess_} and 22 base64url characters)
 * @param owner tenant / API key id the session belongs to
 * @param model model name, or null
 * @param systemPrompt system prompt, or null
 * @param metadata caller's string pairs (empty when none)
 * @param createdAt when it was created
 * @param updatedAt when it was created or last appended to
 * @param lastSeq seq of the last message; 0 while it has none
 * @param expiresAt when it expires unless appended to before (the TTL slides on each append)
 */
public record Session(
    @JsonProperty("id") String id,
    @JsonProperty("owner") String owner,
    @JsonProperty("model") String model,
    @JsonProperty("system_prompt") String systemPrompt,
    @JsonProperty("metadata") Map<String, String> metadata,
    @JsonProperty("created_at") Instant createdAt,
    @JsonProperty("updated_at") Instant updatedAt,
    @JsonProperty("last_seq") long lastSeq,
    @JsonProperty("expires_at") Instant expiresAt) {

  public Session {
    if (id == null || owner == null || createdAt == null || updatedAt == null) {
      throw new IllegalArgumentException("id, owner, created_at and updated_at are required");
    }
    if (lastSeq < 0) {
      throw new InvalidFieldException("last_seq", "last_seq must not be negative");
    }
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }
}
