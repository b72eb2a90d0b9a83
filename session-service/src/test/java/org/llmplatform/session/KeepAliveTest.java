package org.llmplatform.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.llmplatform.session.SessionCalls.user;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
    int answered = 0;
    try (Socket socket = new Socket("localhost", port)) {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(5_000); // a stalled connection fails the test here
      OutputStream out = socket.getOutputStream();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      for (int i = 0; i < 5_000; i++) {
        out.write(request);
        out.flush();
        assertThat(RawHttp.line(in)).isEqualTo("HTTP/1.1 200 OK");
        RawHttp.skipHeadersAndBody(in);
        answered++;
      }
    }
    assertThat(answered).isEqualTo(5_000);
  }
}
