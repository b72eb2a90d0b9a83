package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * One model served by three real inference-service processes behind a gateway of its own, as the
 * Helm chart's headless Service gives it, with the default {@code kv-aware} routing: a
 * conversation's turns stay on the replica that holds its history, the conversation of a replica
 * that dies moves to another once and stays there, and a replica stopped with SIGTERM finishes the
 * answer it is streaming. Tokenizer- and session-service are the suite's.
 */
class ReplicasIT {

  private static final String COUNT = "llm_e2e_request_latency_seconds_count";
  private static final String KEY = "sk-e2e-replicas-" + System.nanoTime();

  private static ReplicatedModel model;
  private static List<ServiceProcess> replicas;
  private static ServiceProcess gateway;

  @BeforeAll
  static void start() throws Exception {
    model =
        ReplicatedModel.start(
            "replicas",
            3,
            KEY,
            "--llm.gateway.routing.refresh=500ms",
            "--llm.gateway.resilience.call-timeout=3s",
            "--llm.gateway.resilience.first-token-timeout=10s");
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
  void aConversationStaysOnOneReplicaAndMovesOnceWhenItDies() throws Exception {
    String session = createSession();
    double[] before = counts();
    for (int turn = 0; turn < 3; turn++) {
      assertThat(turn(session, "Tell me about turn " + turn).status()).isEqualTo(200);
    }
    int home = onlyChanged(before, counts(), 3);

    replicas.get(home).kill();
    double[] afterKill = counts();
    for (int turn = 3; turn < 6; turn++) {
      Http.Answer answer = turn(session, "And turn " + turn);
      assertThat(answer.status())
          .as("turn %d after the kill: %s", turn, answer.raw().body())
          .isEqualTo(200);
    }
    int next = onlyChanged(afterKill, counts(), 3);
    assertThat(next).as("a replica that is alive").isNotEqualTo(home);
    JsonNode history =
        Http.get(gateway.url() + "/v1/sessions/" + session + "/messages", KEY).json();
    assertThat(history.path("messages").size()).as("every turn kept").isEqualTo(12);
  }

  @Test
  void aReplicaStoppedWithSigtermFinishesTheAnswerItIsStreaming() throws Exception {
    String prompt =
        "A drain test " + System.nanoTime() + ": tell me a long story about a lighthouse.";
    double[] before = counts();
    assertThat(complete(prompt, 4, false).status()).isEqualTo(200);
    // kv-aware: the same prompt goes back to the replica that holds its prefix
    ServiceProcess draining = replicas.get(onlyChanged(before, counts(), 1));

    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    draining.suspend();
    Thread reader;
    try {
      reader = Thread.ofVirtual().start(() -> readStream(prompt, events));
      // the replica runs in 2 ms slices until its first token is out: the answer is then mid-stream
      for (int slice = 0; slice < 5000 && events.isEmpty(); slice++) {
        draining.resume();
        Thread.sleep(2);
        draining.suspend();
      }
      assertThat(events).as("the answer started").isNotEmpty();
      draining.terminate(); // SIGTERM, delivered when it runs again
    } finally {
      draining.resume();
    }
    reader.join(Duration.ofSeconds(60));

    List<String> all = new ArrayList<>(events);
    assertThat(all).as("the stream ended normally").last().isEqualTo("[DONE]");
    assertThat(all).noneMatch(e -> e.contains("\"error\""));
    assertThat(all.stream().filter(e -> e.contains("\"finish_reason\":\"")).count()).isEqualTo(1);
    assertThat(all.size()).as("tokens streamed after the SIGTERM").isGreaterThan(3);
    assertThat(draining.awaitExit(Duration.ofSeconds(45)))
        .as("the replica exits once drained")
        .isTrue();
    assertThat(complete(prompt, 4, false).status()).as("the others serve the model").isEqualTo(200);
  }

  private static void readStream(String prompt, BlockingQueue<String> events) {
    try (var stream =
        Http.openStream(gateway.url() + "/v1/completions", KEY, body(prompt, 200, true))) {
      String event;
      while ((event = stream.next()) != null) {
        events.add(event);
      }
    } catch (Exception e) {
      events.add("{\"error\":\"" + e + "\"}");
    }
  }

  private static Http.Answer complete(String prompt, int maxTokens, boolean stream)
      throws Exception {
    return Http.post(gateway.url() + "/v1/completions", KEY, body(prompt, maxTokens, stream));
  }

  private static String body(String prompt, int maxTokens, boolean stream) throws Exception {
    return "{\"model\":\""
        + Platform.TINY
        + "\",\"temperature\":0,\"max_tokens\":"
        + maxTokens
        + ",\"stream\":"
        + stream
        + ",\"prompt\":"
        + Http.JSON.writeValueAsString(prompt)
        + "}";
  }

  private static String createSession() throws Exception {
    Http.Answer created =
        Http.post(
            gateway.url() + "/v1/sessions",
            KEY,
            "{\"model\":\"" + Platform.TINY + "\",\"system_prompt\":\"You are terse.\"}");
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    return created.json().path("id").asString();
  }

  /**
   * One turn. The next is sent at once, before the replica's KV-cache event for this one can reach
   * the gateway (~100 ms): the gateway's own record of where it sent the turn (routed-ttl, 2 s by
   * default) keeps the conversation there; on events only, such turns raced the event.
   */
  private static Http.Answer turn(String session, String user) throws Exception {
    return Http.post(
        gateway.url() + "/v1/chat/completions", KEY, SessionIT.turn(session, user, ""));
  }

  /** Generations each replica has finished (NaN-free; a dead replica keeps its last count). */
  private static double[] counts() throws Exception {
    double[] counts = new double[replicas.size()];
    for (int i = 0; i < counts.length; i++) {
      try {
        counts[i] = ResilienceIT.metric(replicas.get(i), COUNT);
      } catch (java.io.IOException gone) {
        counts[i] = Double.NaN;
      }
    }
    return counts;
  }

  /** The one replica whose count grew, by exactly {@code by}; fails when several did. */
  private static int onlyChanged(double[] before, double[] after, int by) {
    int changed = -1;
    for (int i = 0; i < before.length; i++) {
      if (Double.isNaN(before[i]) || Double.isNaN(after[i]) || after[i] == before[i]) {
        continue;
      }
      assertThat(changed)
          .as(
              "requests spread over replicas: %s -> %s",
              Arrays.toString(before), Arrays.toString(after))
          .isEqualTo(-1);
      assertThat(after[i] - before[i]).as("replica %d", i).isEqualTo(by);
      changed = i;
    }
    assertThat(changed).as("a replica served them").isNotNegative();
    return changed;
  }
}
