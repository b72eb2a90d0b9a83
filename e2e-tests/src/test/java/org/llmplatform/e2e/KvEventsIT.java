package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * kv-aware routing on the replicas' own KV-cache events, with real processes: two inference-service
 * replicas and a gateway that counts only their events ({@code routed-ttl=0s}). A prompt is cached
 * on one replica by a call straight to it, which the gateway never sees; the gateway then sends a
 * prompt extending it to that replica, whichever it is, although consistent hashing on the prompt's
 * first tokens sends both prompts to the same replica otherwise.
 */
class KvEventsIT {

  private static final String COUNT = "llm_e2e_request_latency_seconds_count";
  private static final String KEY = "sk-e2e-kv-events-" + System.nanoTime();

  private static ReplicatedModel model;
  private static List<ServiceProcess> replicas;
  private static ServiceProcess gateway;

  @BeforeAll
  static void start() throws Exception {
    model = ReplicatedModel.start("kv-events", 2, KEY, "--llm.gateway.routing.routed-ttl=0s");
    replicas = model.replicas;
    gateway = model.gateway;
  }

  @AfterAll
  static void stop() throws Exception {
    if (model != null) {
      model.stop();
    }
  }

  @Test
  void aPromptGoesToTheReplicaWhoseEventsSayItHoldsTheLongestPrefix() throws Exception {
    // replica 0 caches P; P + more goes there. Replica 1 then caches a longer run extending it;
    // that + more goes to replica 1. Both share their first tokens, which alone would send them
    // to the same replica: one of the two turns is decided by the events
    List<Integer> first = cacheOn(0, ids(1, 48));
    var next = new ArrayList<>(first);
    next.addAll(ids(2, 64 - first.size()));
    assertThat(completeOn(next)).as("the replica holding its 3 blocks").isEqualTo(0);

    var longer = new ArrayList<>(next);
    longer.addAll(ids(3, 30));
    List<Integer> second = cacheOn(1, longer);
    var last = new ArrayList<>(second);
    last.addAll(ids(4, 10));
    assertThat(completeOn(last)).as("replica 1 holds 6 of its blocks, replica 0 4").isEqualTo(1);
  }

  /** Generates from {@code prompt} straight on a replica: the sequence it caches (about). */
  private static List<Integer> cacheOn(int replica, List<Integer> prompt) throws Exception {
    JsonNode direct =
        Http.postInternal(
                replicas.get(replica).url() + "/v1/internal/generate",
                "{\"input_ids\":" + prompt + ",\"max_new_tokens\":4,\"temperature\":0}")
            .json();
    var sequence = new ArrayList<>(prompt);
    direct.path("output_ids").forEach(id -> sequence.add(id.asInt()));
    Thread.sleep(500); // its stored event goes out within 100 ms
    return sequence;
  }

  /** Completes {@code prompt} through the gateway: the replica that served it. */
  private static int completeOn(List<Integer> prompt) throws Exception {
    double[] before = counts();
    Http.Answer answer =
        Http.post(
            gateway.url() + "/v1/completions",
            KEY,
            "{\"model\":\""
                + Platform.TINY
                + "\",\"temperature\":0,\"max_tokens\":1,\"prompt\":"
                + prompt
                + "}");
    assertThat(answer.status()).as(answer.raw().body()).isEqualTo(200);
    double[] after = counts();
    int served = -1;
    for (int i = 0; i < after.length; i++) {
      if (after[i] > before[i]) {
        assertThat(served).as("one replica served it").isEqualTo(-1);
        served = i;
      }
    }
    Thread.sleep(500);
    return served;
  }

  /** Token ids of the tiny model's vocabulary, a different run for each seed. */
  private static List<Integer> ids(int seed, int length) {
    return IntStream.range(0, length).map(i -> 5 + (seed * 53 + i * 7) % 200).boxed().toList();
  }

  private static double[] counts() throws Exception {
    double[] counts = new double[replicas.size()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = ResilienceIT.metric(replicas.get(i), COUNT);
    }
    return counts;
  }
}
