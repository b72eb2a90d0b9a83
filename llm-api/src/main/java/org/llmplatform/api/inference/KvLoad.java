package org.llmplatform.api.inference;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The replica's load when the event was sent (about once a second).
 *
 * @param waiting requests queued, not admitted yet
 * @param running sequences admitted and not ended (a request of {@code n} choices counts n once it
 *     decodes)
 * @param kvSlotsInUse KV slots the running sequences hold
 * @param kvSlots KV slots in all
 */
public record KvLoad(
    @JsonProperty("waiting") int waiting,
    @JsonProperty("running") int running,
    @JsonProperty("kv_slots_in_use") int kvSlotsInUse,
    @JsonProperty("kv_slots") int kvSlots)
    implements KvEvent {

  public KvLoad {
    if (waiting < 0 || running < 0 || kvSlotsInUse < 0 || kvSlots < 0) {
      throw new IllegalArgumentException("a load figure is negative");
    }
  }

  /** Requests on the replica: waiting and running. */
  public int requests() {
    return (int) Math.min(Integer.MAX_VALUE, (long) waiting + running);
  }

  @Override
  public String sseName() {
    return LOAD;
  }
}
