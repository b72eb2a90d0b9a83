package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Each downstream killed, frozen or cut in turn: the gateway answers the documented error, and the
 * platform recovers by itself once the service is back. Also: a client that disconnects frees its
 * inference slot.
 */
class ResilienceIT {

  static Platform platform;

  @BeforeAll
  static void start() throws Exception {
    platform = Platform.get();
  }

  /** Every test starts with every service up (a failed test may have left one restarting). */
  @BeforeEach
  void everyServiceReady() throws Exception {
    for (ServiceProcess service : platform.all()) {
      service.awaitReady(Duration.ofMinutes(3));
    }
  }

  private static Http.Answer chat(String extra) throws Exception {
    return Http.post(
        platform.gatewayUrl() + "/v1/chat/completions", platform.alphaKey, ChatIT.chat(extra));
  }

  /** Retries a chat until it succeeds again (breakers half-open after a few seconds). */
  private static void awaitRecovered(String extra) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    Http.Answer last = null;
    while (Instant.now().isBefore(deadline)) {
      last = chat(extra);
      if (last.status() == 200) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("no recovery: " + last.status() + " " + last.raw().body());
  }

  @Test
  void tokenizerDownIs503AndTheGatewayRecoversWhenItReturns() throws Exception {
    platform.tokenizer.kill();
    try {
      Http.Answer down = chat("");
      assertThat(down.status()).as(down.raw().body()).isEqualTo(503);
      assertThat(down.errorCode()).isEqualTo("service_unavailable");
      assertThat(down.header("Retry-After")).isNotNull();
      assertThat(down.json().path("error").path("message").asString()).contains("tokenizer");
    } finally {
      platform.tokenizer.start();
      platform.tokenizer.awaitReady(Duration.ofMinutes(2));
    }
    awaitRecovered("");
  }

  @Test
  void frozenInferenceIs504AndTheGatewayRecoversWhenItThaws() throws Exception {
    ServiceProcess inference = platform.inference.get(Platform.TINY);
    chat(""); // the model's shape is cached before it freezes
    inference.suspend();
    try {
      Http.Answer slow = chat("");
      assertThat(slow.status()).as(slow.raw().body()).isEqualTo(504);
      assertThat(slow.errorCode()).isEqualTo("timeout");
    } finally {
      inference.resume();
    }
    awaitRecovered("");
  }

  @Test
  void inferenceKilledMidStreamEndsTheStreamWithAnErrorEventThenDone() throws Exception {
    ServiceProcess inference = platform.inference.get(Platform.TINY);
    var payloads = new ArrayList<String>();
    try (var events =
        Http.openStream(
            platform.gatewayUrl() + "/v1/chat/completions",
            platform.alphaKey,
            ChatIT.chat(",\"max_tokens\":400,\"stream\":true"))) {
      payloads.add(events.next());
      inference.kill();
      String payload;
      while ((payload = events.next()) != null) {
        payloads.add(payload);
      }
      assertThat(chat("").status()).isEqualTo(503);
    } finally {
      inference.start();
      inference.awaitReady(Duration.ofMinutes(2));
    }
    assertThat(payloads.getLast()).isEqualTo("[DONE]");
    JsonNode error = Http.json(payloads.get(payloads.size() - 2)).path("error");
    assertThat(error.path("code").asString()).isEqualTo("service_unavailable");
    awaitRecovered("");
  }

  @Test
  void sessionServiceDownFailsSessionTurnsWith503ButNotPlainChat() throws Exception {
    String session = SessionIT.createSession(platform.alphaKey);
    platform.session.kill();
    try {
      Http.Answer turn =
          Http.post(
              platform.gatewayUrl() + "/v1/chat/completions",
              platform.alphaKey,
              SessionIT.turn(session, "hi", ""));
      assertThat(turn.status()).as(turn.raw().body()).isEqualTo(503);
      assertThat(turn.json().path("error").path("message").asString()).contains("session");
      assertThat(chat("").status()).isEqualTo(200);
    } finally {
      platform.session.start();
      platform.session.awaitReady(Duration.ofMinutes(2));
    }
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    int status = 0;
    while (Instant.now().isBefore(deadline) && status != 200) {
      status =
          Http.post(
                  platform.gatewayUrl() + "/v1/chat/completions",
                  platform.alphaKey,
                  SessionIT.turn(session, "hi", ""))
              .status();
      Thread.sleep(500);
    }
    assertThat(status).isEqualTo(200);
  }

  @Test
  void clientDisconnectCancelsTheGeneration() throws Exception {
    ServiceProcess inference = platform.inference.get(Platform.TINY);
    Http.Answer full = chat(",\"max_tokens\":450");
    int fullLength = full.json().path("usage").path("completion_tokens").asInt();
    assertThat(fullLength).as("the uncancelled answer is long").isGreaterThan(100);

    double before = settled(inference, "llm_generation_tokens_total");
    try (var events =
        Http.openStream(
            platform.gatewayUrl() + "/v1/chat/completions",
            platform.alphaKey,
            ChatIT.chat(",\"max_tokens\":450,\"stream\":true"))) {
      events.next();
      events.next();
    }
    double generated = settled(inference, "llm_generation_tokens_total") - before;
    assertThat(generated).isPositive().isLessThan(fullLength);
  }

  /** A counter's value once it stopped moving for a second (at most 15 s). */
  private static double settled(ServiceProcess service, String name) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
    double last = metric(service, name);
    while (Instant.now().isBefore(deadline)) {
      Thread.sleep(1000);
      double now = metric(service, name);
      if (now == last) {
        return now;
      }
      last = now;
    }
    return last;
  }

  /** Sum of a Prometheus metric's samples from a service's {@code /actuator/prometheus}. */
  static double metric(ServiceProcess service, String name) throws Exception {
    String text = Http.get(service.managementUrl() + "/actuator/prometheus", null).raw().body();
    double sum = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        sum += Double.isNaN(value) ? 0 : value;
      }
    }
    return sum;
  }
}
