package org.llmplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.llmplatform.http.RawHttp;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A keep-alive client that sends its next request as soon as it has read the previous answer is
 * always answered — here a models list, then a chat completion, over and over on one connection, as
 * an OpenAI client library's pooled connection may carry them. (Reactor Netty 1.3.6 alone could
 * stop reading such a connection: a request then waited for the client's time-out;
 * ReadAfterEachResponse works around it.) No downstream is needed: the chat completion names a
 * model the gateway does not serve, a 404.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "llm.gateway.models.tiny.inference-url=http://127.0.0.1:1",
      "llm.gateway.tokenizer-url=http://127.0.0.1:1",
      "llm.gateway.session-url=http://127.0.0.1:1",
      "llm.gateway.load-models-at-start-up=false",
      "llm.gateway.api-keys[0].sha256=" + GatewayTestKeys.ALPHA_SHA256,
      "llm.gateway.api-keys[0].tenant=alpha",
      "llm.gateway.api-keys[0].requests-per-minute=1000000",
    })
class KeepAliveTest {

  @LocalServerPort int port;

  @Test
  void everyRequestOfAFastKeepAliveClientIsAnswered() throws IOException {
    String host = "Host: localhost:" + port + "\r\nAuthorization: " + GatewayTestKeys.ALPHA;
    byte[] models =
        ("GET /v1/models HTTP/1.1\r\n" + host + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    String body =
        "{\"model\":\"no-such-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    byte[] chat =
        ("POST /v1/chat/completions HTTP/1.1\r\n"
                + host
                + "\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length()
                + "\r\n\r\n"
                + body)
            .getBytes(StandardCharsets.UTF_8);
    List<String> statuses = RawHttp.keepAlive(port, 3_000, i -> i % 2 == 0 ? models : chat);
    assertThat(statuses).hasSize(3_000);
    for (int i = 0; i < statuses.size(); i++) {
      assertThat(statuses.get(i))
          .as("request %d", i)
          .isEqualTo(i % 2 == 0 ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 Not Found");
    }
  }
}
