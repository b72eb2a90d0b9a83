package org.llmplatform.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.Message;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * {@code llm.session.store=memory} with no Redis reachable (the URL names a closed port): the
 * service starts, is healthy and serves sessions.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "llm.session.store=memory")
@AutoConfigureWebTestClient(timeout = "30s")
class InMemoryStoreWithoutRedisTest {

  static {
    BlockingGuard.install();
  }

  @DynamicPropertySource
  static void noRedis(DynamicPropertyRegistry registry) throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    registry.add("spring.data.redis.url", () -> "redis://127.0.0.1:" + closedPort);
  }

  @Autowired private WebTestClient http;

  @Test
  void servesSessionsAndIsHealthyWithoutRedis() {
    http.get()
        .uri("/actuator/health")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.status")
        .isEqualTo("UP")
        .jsonPath("$.components.redis")
        .doesNotExist();

    SessionCalls calls = new SessionCalls(http);
    String id = calls.create("alice").id();
    calls.append(
        "alice", id, new AppendMessagesRequest(List.of(SessionCalls.user("hello")), 0L, "turn-1"));
    assertThat(
            calls
                .append(
                    "alice",
                    id,
                    new AppendMessagesRequest(List.of(SessionCalls.user("hello")), 0L, "turn-1"))
                .replayed())
        .isTrue();

    assertThat(calls.messages("alice", id, null).messages())
        .extracting(Message::content)
        .containsExactly("hello");
  }
}
