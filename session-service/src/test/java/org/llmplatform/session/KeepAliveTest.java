package org.llmplatform.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.llmplatform.session.SessionCalls.user;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.llmplatform.http.RawHttp;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A keep-alive client that sends its next request as soon as it has the previous answer is always
 * answered. (Reactor Netty 1.3.6 alone could stop reading such a connection every few thousand
 * requests; {@code ReadAfterEachResponse} works around it.)
 */
class KeepAliveTest extends RedisBackedTest {

  @LocalServerPort int port;

  @Test
  void everyRequestOfAFastKeepAliveClientIsAnswered() throws IOException {
    SessionCalls calls = new SessionCalls(http);
    String id = calls.create("alice").id();
    for (int i = 0; i < 5; i++) {
      calls.append("alice", id, user("message " + i));
    }
    byte[] request =
        ("GET /v1/sessions/"
                + id
                + "/messages?owner=alice&max_tokens=100 HTTP/1.1\r\nHost: localhost:"
                + port
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    List<String> statuses = RawHttp.keepAlive(port, 5_000, i -> request);
    assertThat(statuses).hasSize(5_000).containsOnly("HTTP/1.1 200 OK");
  }
}
