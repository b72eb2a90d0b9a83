package org.llmplatform.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.llmplatform.api.session.AppendMessagesResponse;
import org.llmplatform.api.session.Message;
import tools.jackson.databind.json.JsonMapper;

/**
 * Clients that keep appending to one session over plain HTTP while the test breaks things. Each
 * client sends its turns in order, one at a time, each with its own idempotency key, and retries a
 * turn (same key) until it is acknowledged; it records every acknowledged seq. The base URL is read
 * before each attempt, so the test may move the service.
 */
final class Appenders {

  private final Supplier<String> baseUrl;
  private final String sessionId;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final JsonMapper json = JsonMapper.builder().build();
  private final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final AtomicInteger failedAttempts = new AtomicInteger();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final List<Thread> threads = new ArrayList<>();

  Appenders(Supplier<String> baseUrl, String sessionId) {
    this.baseUrl = baseUrl;
    this.sessionId = sessionId;
  }

  void start(int clients) {
    for (int i = 0; i < clients; i++) {
      int client = i;
      threads.add(Thread.ofPlatform().name("appender-" + i).start(() -> run(client)));
    }
  }

  /** Lets every client finish the turn it is on (acknowledged), then stops them. */
  void stop(Duration within) throws InterruptedException {
    stopping.set(true);
    for (Thread thread : threads) {
      thread.join(within.toMillis());
      assertThat(thread.isAlive()).as(thread.getName() + " still retrying").isFalse();
    }
    assertThat(failure.get()).isNull();
  }

  Map<String, Long> acknowledged() {
    return Map.copyOf(acknowledged);
  }

  int failedAttempts() {
    return failedAttempts.get();
  }

  private void run(int client) {
    try {
      for (int turn = 0; !stopping.get(); turn++) {
        String content = "client " + client + " turn " + turn;
        String body =
            "{\"messages\":[{\"role\":\"user\",\"content\":\""
                + content
                + "\"}],\"idempotency_key\":\""
                + content
                + "\"}";
        while (true) {
          try {
            HttpResponse<String> response =
                http.send(
                    HttpRequest.newBuilder(
                            URI.create(
                                baseUrl.get()
                                    + "/v1/sessions/"
                                    + sessionId
                                    + "/messages?owner=alice"))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
              acknowledged.put(
                  content, json.readValue(response.body(), AppendMessagesResponse.class).seq());
              break;
            }
            assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
          } catch (java.io.IOException e) {
            // the service is down or was killed mid-request: outcome unknown, retry the same turn
          }
          failedAttempts.incrementAndGet();
          Thread.sleep(50);
        }
      }
    } catch (Throwable e) {
      failure.compareAndSet(null, e);
    }
  }

  /** Every acknowledged turn is stored exactly once, at its acknowledged seq, and nothing else. */
  static void assertStoredExactlyOnce(List<Message> stored, Map<String, Long> acknowledged) {
    Map<String, Long> storedSeq = new HashMap<>();
    for (int i = 0; i < stored.size(); i++) {
      Message message = stored.get(i);
      assertThat(message.seq()).isEqualTo(i + 1);
      assertThat(storedSeq.put(message.content(), message.seq()))
          .as("stored twice: %s", message.content())
          .isNull();
    }
    assertThat(storedSeq).isEqualTo(acknowledged);
  }
}
