package org.llmplatform.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.AppendMessagesResponse;
import org.llmplatform.api.session.Message;
import org.llmplatform.api.session.Session;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import tools.jackson.databind.json.JsonMapper;

/**
 * 50 clients append to one session at the same time, over HTTP, against real Redis: every
 * acknowledged message is stored exactly once, at the seq it was acknowledged with, in one order.
 */
class ConcurrentAppendTest extends RedisBackedTest {

  private static final int CLIENTS = 50;

  @Autowired private JsonMapper json;

  @Test
  void clientsWithExpectedSeqAndRetriesNeverInterleaveOrLoseATurn() throws Exception {
    int turnsEach = 3;
    SessionCalls calls = new SessionCalls(http);
    String id = calls.create("alice").id();
    Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    ConcurrentHashMap<Integer, Integer> conflicts = new ConcurrentHashMap<>();

    runClients(
        client -> {
          for (int turn = 0; turn < turnsEach; turn++) {
            String content = "client " + client + " turn " + turn;
            while (true) {
              long lastSeq = lastSeq(id);
              // The key makes a retry after a 503 (outcome unknown) safe; it is new for each turn,
              // so it never hides a conflict.
              EntityExchangeResult<byte[]> result =
                  post(
                      id,
                      new AppendMessagesRequest(
                          List.of(SessionCalls.user(content)), lastSeq, content));
              if (result.getStatus().value() == 200) {
                long seq =
                    json.readValue(result.getResponseBody(), AppendMessagesResponse.class).seq();
                assertThat(seq).isEqualTo(lastSeq + 1);
                acknowledged.put(content, seq);
                break;
              }
              assertThat(result.getStatus()).isEqualTo(HttpStatus.CONFLICT);
              conflicts.merge(client, 1, Integer::sum);
              Thread.sleep(ThreadLocalRandom.current().nextInt(3));
            }
          }
        });

    assertThat(conflicts.values().stream().mapToInt(Integer::intValue).sum())
        .as("the clients really did race")
        .isPositive();
    assertStoredExactlyOnce(id, acknowledged, CLIENTS * turnsEach);
  }

  @Test
  void clientsRetryingWithIdempotencyKeysNeverDuplicateATurn() throws Exception {
    int turnsEach = 10;
    SessionCalls calls = new SessionCalls(http);
    String id = calls.create("alice").id();
    Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    Map<String, Integer> replays = new ConcurrentHashMap<>();

    runClients(
        client -> {
          for (int turn = 0; turn < turnsEach; turn++) {
            String content = "client " + client + " turn " + turn;
            AppendMessagesRequest request =
                new AppendMessagesRequest(List.of(SessionCalls.user(content)), null, content);
            // Forced retries: the same append three times, as after lost responses.
            List<Long> seqs = new ArrayList<>();
            for (int attempt = 0; attempt < 3; attempt++) {
              AppendMessagesResponse response =
                  json.readValue(post(id, request).getResponseBody(), AppendMessagesResponse.class);
              seqs.add(response.seq());
              if (response.replayed()) {
                replays.merge(content, 1, Integer::sum);
              }
            }
            assertThat(seqs).as(content).containsOnly(seqs.getFirst());
            acknowledged.put(content, seqs.getFirst());
          }
        });

    // At least the two forced retries of each turn were replays (more if a 503 was retried).
    assertThat(replays).hasSize(CLIENTS * turnsEach);
    assertThat(replays.values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(2));
    assertStoredExactlyOnce(id, acknowledged, CLIENTS * turnsEach);
  }

  private void assertStoredExactlyOnce(String id, Map<String, Long> acknowledged, int expected) {
    assertThat(acknowledged).hasSize(expected);
    List<Message> stored = new SessionCalls(http).messages("alice", id, null).messages();
    assertThat(stored).hasSize(expected);
    Map<String, Long> storedSeq = new HashMap<>();
    for (int i = 0; i < stored.size(); i++) {
      Message message = stored.get(i);
      assertThat(message.seq()).isEqualTo(i + 1);
      assertThat(storedSeq.put(message.content(), message.seq()))
          .as("stored twice: %s", message.content())
          .isNull();
    }
    assertThat(storedSeq).isEqualTo(acknowledged);
    // Each client's turns are stored in the order it made them.
    for (int client = 0; client < CLIENTS; client++) {
      long previous = 0;
      for (int turn = 0; storedSeq.containsKey("client " + client + " turn " + turn); turn++) {
        long seq = storedSeq.get("client " + client + " turn " + turn);
        assertThat(seq).isGreaterThan(previous);
        previous = seq;
      }
    }
  }

  private long lastSeq(String id) throws InterruptedException {
    while (true) {
      EntityExchangeResult<byte[]> result =
          http.get()
              .uri("/v1/sessions/{id}?owner=alice", id)
              .exchange()
              .expectBody()
              .returnResult();
      if (result.getStatus().value() != 503) {
        assertThat(result.getStatus()).isEqualTo(HttpStatus.OK);
        return json.readValue(result.getResponseBody(), Session.class).lastSeq();
      }
      Thread.sleep(50);
    }
  }

  /**
   * Posts an append; a 503 (Redis too slow on a loaded machine: outcome unknown) is retried with
   * the same request, as a client must.
   */
  private EntityExchangeResult<byte[]> post(String id, AppendMessagesRequest request)
      throws InterruptedException {
    while (true) {
      EntityExchangeResult<byte[]> result =
          http.post()
              .uri("/v1/sessions/{id}/messages?owner=alice", id)
              .bodyValue(request)
              .exchange()
              .expectBody()
              .returnResult();
      if (result.getStatus().value() != 503) {
        return result;
      }
      Thread.sleep(50);
    }
  }

  interface Client {
    void run(int client) throws Exception;
  }

  /** Runs {@link #CLIENTS} clients at once, released together, and rethrows the first failure. */
  private static void runClients(Client body) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        int client = i;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  body.run(client);
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> future : futures) {
        future.get();
      }
    }
  }
}
