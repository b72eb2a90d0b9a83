package org.llmplatform.session.api;

import java.net.URI;
import org.llmplatform.api.error.InvalidFieldException;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.AppendMessagesResponse;
import org.llmplatform.api.session.CreateSessionRequest;
import org.llmplatform.api.session.RecordedAppend;
import org.llmplatform.api.session.Session;
import org.llmplatform.api.session.SessionMessages;
import org.llmplatform.api.session.SessionPage;
import org.llmplatform.session.store.AppendOutcome;
import org.llmplatform.session.store.CreateOutcome;
import org.llmplatform.session.store.SessionStore;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * The internal session API. Every call names the owner; a session of another owner answers 404 as
 * if it did not exist.
 */
@RestController
@RequestMapping("/v1/sessions")
class SessionController {

  /** Page size of the session list when {@code limit} is not given. */
  static final int DEFAULT_PAGE_SIZE = 20;

  /** Largest page of the session list. */
  static final int MAX_PAGE_SIZE = 100;

  private final SessionStore store;
  private final RequestLimits limits;

  SessionController(SessionStore store, RequestLimits limits) {
    this.store = store;
    this.limits = limits;
  }

  @PostMapping
  Mono<ResponseEntity<Session>> create(@RequestBody CreateSessionRequest request) {
    limits.checkSystemPrompt(request.systemPrompt());
    return store
        .create(request)
        .map(
            outcome ->
                switch (outcome) {
                  case CreateOutcome.Created created ->
                      ResponseEntity.created(URI.create("/v1/sessions/" + created.session().id()))
                          .body(created.session());
                  case CreateOutcome.QuotaReached quota ->
                      throw new SessionApiException(
                          HttpStatus.TOO_MANY_REQUESTS,
                          "session_limit_reached",
                          "owner already has "
                              + quota.liveSessions()
                              + " live sessions, the most allowed; delete one or let one expire",
                          "owner");
                });
  }

  @GetMapping("/{id}")
  Mono<Session> get(@PathVariable String id, @RequestParam(required = false) String owner) {
    return store
        .get(QueryParams.owner(owner), id)
        .switchIfEmpty(Mono.error(() -> SessionApiException.notFound(id)));
  }

  @DeleteMapping("/{id}")
  Mono<ResponseEntity<Void>> delete(
      @PathVariable String id, @RequestParam(required = false) String owner) {
    return store
        .delete(QueryParams.owner(owner), id)
        .map(
            deleted -> {
              if (!deleted) {
                throw SessionApiException.notFound(id);
              }
              return ResponseEntity.noContent().build();
            });
  }

  @GetMapping
  Mono<SessionPage> list(
      @RequestParam(required = false) String owner,
      @RequestParam(required = false) String offset,
      @RequestParam(required = false) String limit) {
    String checkedOwner = QueryParams.owner(owner);
    int from = QueryParams.integer(offset, "offset", 0, Integer.MAX_VALUE, 0);
    int size = QueryParams.integer(limit, "limit", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
    return store.list(checkedOwner, from, size);
  }

  @PostMapping("/{id}/messages")
  Mono<AppendMessagesResponse> append(
      @PathVariable String id,
      @RequestParam(required = false) String owner,
      @RequestBody AppendMessagesRequest request) {
    String checkedOwner = QueryParams.owner(owner);
    limits.checkMessages(request.messages());
    return store
        .append(checkedOwner, id, request)
        .map(
            outcome ->
                switch (outcome) {
                  case AppendOutcome.Appended appended ->
                      new AppendMessagesResponse(id, appended.seq(), appended.replayed());
                  case AppendOutcome.NotFound notFound -> throw SessionApiException.notFound(id);
                  case AppendOutcome.KeyReused reused ->
                      throw new SessionApiException(
                          HttpStatus.UNPROCESSABLE_CONTENT,
                          "idempotency_key_reused",
                          "idempotency_key was used for another request of this session (it"
                              + " ended at seq "
                              + reused.seq()
                              + "); use a new key for a new request",
                          "idempotency_key");
                  case AppendOutcome.SeqConflict conflict ->
                      throw new SessionApiException(
                          HttpStatus.CONFLICT,
                          "seq_conflict",
                          "expected_seq "
                              + request.expectedSeq()
                              + " is stale: the session's last seq is "
                              + conflict.lastSeq()
                              + "; read the conversation again and retry",
                          "expected_seq");
                  case AppendOutcome.SessionFull full ->
                      throw new SessionApiException(
                          HttpStatus.UNPROCESSABLE_CONTENT,
                          "session_full",
                          "the session holds "
                              + full.lastSeq()
                              + " messages; appending "
                              + request.messages().size()
                              + " would pass the limit",
                          "messages");
                });
  }

  /**
   * What the append with this idempotency key wrote: 404 when the session or the key is unknown.
   */
  @GetMapping("/{id}/appends/{key}")
  Mono<RecordedAppend> recordedAppend(
      @PathVariable String id,
      @PathVariable String key,
      @RequestParam(required = false) String owner) {
    String checkedOwner = QueryParams.owner(owner);
    if (key.isEmpty() || key.length() > AppendMessagesRequest.MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new InvalidFieldException(
          "idempotency_key",
          "idempotency_key must be 1 to "
              + AppendMessagesRequest.MAX_IDEMPOTENCY_KEY_LENGTH
              + " characters");
    }
    return store
        .recordedAppend(checkedOwner, id, key)
        .switchIfEmpty(Mono.error(() -> SessionApiException.notFound(id)))
        .map(
            recorded ->
                recorded.orElseThrow(
                    () ->
                        new SessionApiException(
                            HttpStatus.NOT_FOUND,
                            "idempotency_key_not_found",
                            "no append of session " + id + " carried this idempotency_key",
                            "idempotency_key")));
  }

  @GetMapping("/{id}/messages")
  Mono<SessionMessages> messages(
      @PathVariable String id,
      @RequestParam(required = false) String owner,
      @RequestParam(name = "max_tokens", required = false) String maxTokens) {
    String checkedOwner = QueryParams.owner(owner);
    Integer budget = QueryParams.integer(maxTokens, "max_tokens", 1, Integer.MAX_VALUE, null);
    return store
        .conversation(checkedOwner, id, budget)
        .switchIfEmpty(Mono.error(() -> SessionApiException.notFound(id)))
        .map(
            window ->
                new SessionMessages(
                    id,
                    window.systemPrompt(),
                    window.messages(),
                    window.lastSeq(),
                    window.totalTokens(),
                    window.truncated()));
  }
}
