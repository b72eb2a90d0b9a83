package org.llmplatform.session;

import java.util.List;
import java.util.Map;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.AppendMessagesResponse;
import org.llmplatform.api.session.CreateSessionRequest;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.Session;
import org.llmplatform.api.session.SessionMessages;
import org.llmplatform.api.session.SessionPage;
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

  /**
   * Deletes every session of these owners: the memory store lives as long as the Spring context,
   * which the memory-store test classes share.
   */
  void deleteAll(String... owners) {
    for (String owner : owners) {
      SessionPage page =
          http.get()
              .uri("/v1/sessions?owner={owner}&limit=100", owner)
              .exchange()
              .expectStatus()
              .isOk()
              .expectBody(SessionPage.class)
              .returnResult()
              .getResponseBody();
      for (Session session : page.data()) {
        http.delete()
            .uri("/v1/sessions/{id}?owner={owner}", session.id(), owner)
            .exchange()
            .expectStatus()
            .isNoContent();
      }
    }
  }

  static NewMessage user(String content) {
    return new NewMessage("user", content, null);
  }

  static NewMessage message(String role, String content, Integer tokens) {
    return new NewMessage(role, content, tokens);
  }
}
