package org.llmplatform.gateway.session;

import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.gateway.auth.Tenant;
import org.llmplatform.gateway.client.Downstreams;
import org.llmplatform.gateway.client.SessionClient;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.model.ModelCatalog;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /v1/sessions…} for clients: forwarded to session-service as the caller's tenant (the
 * {@code owner} is always the tenant of the API key, whatever the client sends), so another
 * tenant's session is 404. Error answers are translated to the OpenAI error format.
 *
 * <p>A controller rather than a Spring Cloud Gateway route: each call needs the owner injected into
 * the query or the body and its error JSON rewritten, which would take custom filters on top of the
 * route.
 */
@RestController
class SessionController {

  private final SessionClient sessions;
  private final ModelCatalog models;
  private final JsonMapper json;

  SessionController(Downstreams downstreams, ModelCatalog models, JsonMapper json) {
    this.sessions = downstreams.sessions();
    this.models = models;
    this.json = json;
  }

  @PostMapping(path = "/v1/sessions", consumes = MediaType.APPLICATION_JSON_VALUE)
  Mono<ResponseEntity<byte[]>> create(@RequestBody JsonNode body, ServerWebExchange exchange) {
    if (!(body instanceof ObjectNode object)) {
      return Mono.error(ApiException.invalidRequest(null, "the body must be a JSON object"));
    }
    JsonNode model = object.get("model");
    if (model != null && !model.isNull()) {
      if (!model.isString()) {
        return Mono.error(ApiException.invalidRequest("model", "model must be a string"));
      }
      if (!models.contains(model.asString())) {
        return Mono.error(
            ApiException.notFound(
                "model_not_found",
                "model",
                "The model '" + model.asString() + "' does not exist; see /v1/models"));
      }
    }
    object.put("owner", Tenant.of(exchange).id());
    return forward(HttpMethod.POST, exchange, object);
  }

  @GetMapping({"/v1/sessions", "/v1/sessions/{id}", "/v1/sessions/{id}/messages"})
  Mono<ResponseEntity<byte[]>> read(ServerWebExchange exchange) {
    return forward(HttpMethod.GET, exchange, null);
  }

  @DeleteMapping("/v1/sessions/{id}")
  Mono<ResponseEntity<byte[]>> delete(ServerWebExchange exchange) {
    return forward(HttpMethod.DELETE, exchange, null);
  }

  @PostMapping(path = "/v1/sessions/{id}/messages", consumes = MediaType.APPLICATION_JSON_VALUE)
  Mono<ResponseEntity<byte[]>> append(@RequestBody JsonNode body, ServerWebExchange exchange) {
    if (body instanceof ObjectNode object) {
      object.remove("request_hash"); // the gateway's own field for chat turns, not the client's
    }
    return forward(HttpMethod.POST, exchange, body);
  }

  private Mono<ResponseEntity<byte[]>> forward(
      HttpMethod method, ServerWebExchange exchange, JsonNode body) {
    ServerHttpRequest request = exchange.getRequest();
    return sessions
        .forward(
            method,
            request.getPath().value(),
            request.getQueryParams(),
            Tenant.of(exchange).id(),
            body)
        .flatMap(this::translateError);
  }

  /** Success passes through; an error answer becomes the OpenAI error with the same status. */
  private Mono<ResponseEntity<byte[]>> translateError(ResponseEntity<byte[]> answer) {
    if (!answer.getStatusCode().isError()) {
      var builder = ResponseEntity.status(answer.getStatusCode());
      MediaType type = answer.getHeaders().getContentType();
      if (type != null) {
        builder.contentType(type);
      }
      return Mono.just(builder.body(answer.getBody()));
    }
    ErrorBody.Detail detail = null;
    try {
      detail =
          answer.getBody() == null
              ? null
              : json.readValue(answer.getBody(), ErrorBody.class).error();
    } catch (RuntimeException notAnErrorBody) {
      // keep the generic message below
    }
    String message =
        detail == null ? "session-service answered " + answer.getStatusCode() : detail.message();
    String param = detail == null ? null : detail.param();
    int status = answer.getStatusCode().value();
    return Mono.error(
        switch (status) {
          case 404 -> ApiException.notFound("session_not_found", param, message);
          case 409 -> ApiException.conflict(message);
          case 422 ->
              ApiException.unprocessable(
                  detail == null ? "invalid_request" : detail.code(), param, message);
          case 413 ->
              ApiException.tooLarge(detail == null ? "too_large" : detail.code(), param, message);
          case 429 ->
              ApiException.tooManyRequests(
                  detail == null ? "rate_limit_exceeded" : detail.code(),
                  java.time.Duration.ofSeconds(1),
                  message);
          default -> ApiException.invalidRequest(param, message);
        });
  }
}
