package org.llmplatform.api.session;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import org.llmplatform.api.error.InvalidFieldException;

/**
 * Body of {@code POST /v1/sessions}.
 *
 * @param owner tenant / API key id the session belongs to; every later call must name it
 * @param model model name the conversation is held with, or null
 * @param systemPrompt system prompt kept in front of every context window, or null
 * @param metadata free string pairs for the caller (at most 16 keys of 64 characters, values of
 *     512)
 */
public record CreateSessionRequest(
    @JsonProperty("owner") String owner,
    @JsonProperty("model") String model,
    @JsonProperty("system_prompt") String systemPrompt,
    @JsonProperty("metadata") Map<String, String> metadata) {

  /** Most metadata keys a session may carry. */
  public static final int MAX_METADATA_KEYS = 16;

  /** Longest metadata key, in characters. */
  public static final int MAX_METADATA_KEY_LENGTH = 64;

  /** Longest metadata value, in characters. */
  public static final int MAX_METADATA_VALUE_LENGTH = 512;

  /** Longest model name, in characters. */
  public static final int MAX_MODEL_LENGTH = 256;

  public CreateSessionRequest {
    Owners.require(owner, "owner");
    if (model != null && (model.isBlank() || model.length() > MAX_MODEL_LENGTH)) {
      throw new InvalidFieldException(
          "model", "model must be 1 to " + MAX_MODEL_LENGTH + " characters when given");
    }
    metadata = metadata == null ? Map.of() : Map.copyOf(checked(metadata));
  }

  private static Map<String, String> checked(Map<String, String> metadata) {
    if (metadata.size() > MAX_METADATA_KEYS) {
      throw new InvalidFieldException(
          "metadata", "metadata has more than " + MAX_METADATA_KEYS + " keys");
    }
    metadata.forEach(
        (key, value) -> {
          if (key.isEmpty() || key.length() > MAX_METADATA_KEY_LENGTH) {
            throw new InvalidFieldException(
                "metadata",
                "metadata keys must be 1 to " + MAX_METADATA_KEY_LENGTH + " characters");
          }
          if (value == null || value.length() > MAX_METADATA_VALUE_LENGTH) {
            throw new InvalidFieldException(
                "metadata." + key,
                "metadata."
                    + key
                    + " must be a string of at most "
                    + MAX_METADATA_VALUE_LENGTH
                    + " characters");
          }
        });
    return metadata;
  }
}
