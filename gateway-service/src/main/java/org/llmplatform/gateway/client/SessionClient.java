package org.llmplatform.gateway.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.Message;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.RecordedAppend;
import org.llmplatform.api.session.SessionMessages;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.message.ChatMessage;
import org.llmplatform.gateway.message.ToolCall;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.util.UriBuilder;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/** session-service's API: a conversation's history (within a token budget) and turn appends. */
public final class SessionClient {

  /**
   * The conversation so far, as much of it as session-service reads within a bound (the prompt is
   * fitted by the gateway, on tokenizer-service's counts).
   *
   * @param messages oldest first; the session's system prompt first when it has one
   * @param seq the session's last seq when the history was read (the append's {@code expected_seq})
   */
  public record History(List<ChatMessage> messages, long seq) {
    public History {
      messages = List.copyOf(messages);
    }
  }

  private final WebClient http;
  private final Downstream downstream;

  SessionClient(WebClient http, Downstream downstream) {
    this.http = http;
    this.downstream = downstream;
  }

  /**
   * The longest suffix of the conversation within {@code maxTokens} by the counts stored beside the
   * messages (system prompt kept): a bound on what is read.
   */
  public Mono<History> history(String sessionId, String owner, int maxTokens) {
    return downstream.call(
        http.get()
            .uri(
                b ->
                    b.path("/v1/sessions/{id}/messages")
                        .queryParam("owner", owner)
                        .queryParam("max_tokens", maxTokens)
                        .build(sessionId))
            .retrieve()
            .bodyToMono(SessionMessages.class)
            .map(SessionClient::history),
        true);
  }

  /**
   * The messages an earlier append with {@code idempotencyKey} wrote, and the hash of the request
   * it recorded; empty when no append of the session carried the key.
   */
  public record Recorded(String requestHash, List<ChatMessage> messages) {
    public Recorded {
      messages = List.copyOf(messages);
    }
  }

  /**
   * Appends one turn atomically; 409 ({@code session_conflict}) when the session moved past {@code
   * expectedSeq}, 422 ({@code idempotency_key_reused}) when the key recorded another request.
   * Retried, after time-outs too: a repeated append with the same key and hash writes nothing.
   */
  public Mono<Void> append(
      String sessionId,
      String owner,
      List<ChatMessage> turn,
      long expectedSeq,
      String idempotencyKey,
      String requestHash) {
    return downstream
        .write(
            http.post()
                .uri(
                    b ->
                        b.path("/v1/sessions/{id}/messages")
                            .queryParam("owner", owner)
                            .build(sessionId))
                .bodyValue(
                    new AppendMessagesRequest(
                        turn.stream().map(SessionClient::stored).toList(),
                        expectedSeq,
                        idempotencyKey,
                        requestHash))
                .retrieve()
                .toBodilessEntity())
        .then();
  }

  /** What the append with {@code idempotencyKey} wrote, if one did. */
  public Mono<Optional<Recorded>> recorded(String sessionId, String owner, String idempotencyKey) {
    return downstream
        .call(
            http.get()
                .uri(
                    b ->
                        b.path("/v1/sessions/{id}/appends/{key}")
                            .queryParam("owner", owner)
                            .build(sessionId, idempotencyKey))
                .retrieve()
                .bodyToMono(RecordedAppend.class)
                .map(SessionClient::recorded),
            true)
        .onErrorResume(
            ApiException.class,
            e ->
                "idempotency_key_not_found".equals(e.code())
                    ? Mono.just(Optional.empty())
                    : Mono.error(e));
  }

  private static Optional<Recorded> recorded(RecordedAppend answer) {
    return Optional.of(
        new Recorded(
            answer.requestHash(), answer.messages().stream().map(SessionClient::message).toList()));
  }

  /**
   * Forwards a client's sessions call as the given owner, returning session-service's answer as it
   * is (errors included, for the caller to translate).
   */
  public Mono<ResponseEntity<byte[]>> forward(
      HttpMethod method,
      String path,
      MultiValueMap<String, String> query,
      String owner,
      JsonNode body) {
    WebClient.RequestBodySpec request =
        http.method(method)
            .uri(
                (UriBuilder b) -> {
                  b.path(path);
                  query.forEach(
                      (name, values) -> {
                        if (!"owner".equals(name)) {
                          b.queryParam(name, values.toArray());
                        }
                      });
                  return b.queryParam("owner", owner).build();
                });
    WebClient.RequestHeadersSpec<?> withBody =
        body == null ? request : request.contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    return downstream.call(
        withBody.exchangeToMono(
            response ->
                response.statusCode().is5xxServerError()
                    ? response.createError()
                    : response.toEntity(byte[].class)),
        method == HttpMethod.GET);
  }

  /** A message as the session stores it: tool calls and results with their ids. */
  static NewMessage stored(ChatMessage m) {
    List<org.llmplatform.api.session.ToolCall> calls =
        m.toolCalls().stream()
            .map(
                c ->
                    org.llmplatform.api.session.ToolCall.of(
                        c.id(), c.function().name(), c.function().arguments()))
            .toList();
    // the session takes no content only beside tool calls
    String content = calls.isEmpty() || !m.content().isEmpty() ? m.content() : null;
    return new NewMessage(m.role(), content, m.name(), calls, m.toolCallId(), m.tokenCount());
  }

  /** A stored message as the gateway's one message type. */
  static ChatMessage message(Message m) {
    List<ToolCall> calls =
        m.toolCalls() == null
            ? List.of()
            : m.toolCalls().stream()
                .map(c -> ToolCall.of(c.id(), c.function().name(), c.function().arguments()))
                .toList();
    return new ChatMessage(m.role(), m.content(), m.name(), calls, m.toolCallId(), m.tokenCount());
  }

  static History history(SessionMessages answer) {
    var turns = new ArrayList<ChatMessage>();
    if (answer.systemPrompt() != null && !answer.systemPrompt().isEmpty()) {
      turns.add(ChatMessage.of("system", answer.systemPrompt()));
    }
    for (Message message : answer.messages()) {
      turns.add(message(message));
    }
    return new History(turns, answer.lastSeq());
  }
}
