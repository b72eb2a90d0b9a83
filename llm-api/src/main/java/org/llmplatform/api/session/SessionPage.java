package org.llmplatform.api.session;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A page of {@code GET /v1/sessions?owner=…}, most recently active first.
 *
 * @param data the sessions on this page
 * @param total how many live sessions the owner has
 * @param offset index of the first session on this page
 * @param limit the page size asked for
 * @param hasMore true when sessions follow this page
 */
public record SessionPage(
    @JsonProperty("data") List<Session> data,
    @JsonProperty("total") long total,
    @JsonProperty("offset") long offset,
    @JsonProperty("limit") int limit,
    @JsonProperty("has_more") boolean hasMore) {

  public SessionPage {
    if (data == null) {
      throw new IllegalArgumentException("data is required");
    }
    data = List.copyOf(data);
  }
}
