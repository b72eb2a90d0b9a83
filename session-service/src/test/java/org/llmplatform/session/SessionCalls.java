package org.llmplatform.session;

import java.util.List;
import java.util.Map;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.AppendMessagesResponse;
import org.llmplatform.api.session.CreateSessionRequest;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.Session;
import org.llmplatform.api.session.SessionMessages;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The session API as the tests call it, over HTTP. */
record SessionCalls(WebTestClient http) {

  Session create(String owner) {
    return create(new CreateSessionRequest(owner, "tiny-llama", null, Map.of()));
  }

  Session create(CreateSessionRequest request) {
    return http.post()
        .uri("/v1/sessions")
        .bodyValue(request)
        .exchange()
        .expectStatus()
        .isCreated()
        .expectBody(Session.class)
        .returnResult()
        .getResponseBody();
  }

  AppendMessagesResponse append(String owner, String id, AppendMessagesRequest request) {
    return http.post()
        .uri("/v1/sessions/{id}/messages?owner={owner}", id, owner)
        .bodyValue(request)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(AppendMessagesResponse.class)
        .returnResult()
        .getResponseBody();
  }

  AppendMessagesResponse append(String owner, String id, NewMessage... messages) {
    return append(owner, id, new AppendMessagesRequest(List.of(messages), null, null));
  }

  SessionMessages messages(String owner, String id, Integer maxTokens) {
    String uri =
        "/v1/sessions/"
            + id
            + "/messages?owner="
            + owner
            + (maxTokens == null ? "" : "&max_tokens=" + maxTokens);
    return http.get()
        .uri(uri)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(SessionMessages.class)
        .returnResult()
        .getResponseBody();
  }

  static NewMessage user(String content) {
    return new NewMessage("user", content, null);
  }

  static NewMessage message(String role, String content, Integer tokens) {
    return new NewMessage(role, content, tokens);
  }
}
