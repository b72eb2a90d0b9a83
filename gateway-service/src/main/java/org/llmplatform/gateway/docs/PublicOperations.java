package org.llmplatform.gateway.docs;

import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.core.converter.ResolvedSchema;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.PathItem.HttpMethod;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.AppendMessagesResponse;
import org.llmplatform.api.session.CreateSessionRequest;
import org.llmplatform.api.session.Session;
import org.llmplatform.api.session.SessionMessages;
import org.llmplatform.api.session.SessionPage;
import org.llmplatform.gateway.error.OpenAiError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * What the controllers do not say about the public operations: an operation id (OpenAI's where it
 * has one), a tag and a summary each; OpenAI's error JSON as the answer to every failure; and, for
 * the session pass-through (its controller forwards JSON trees), the request and response schemas
 * of session-service's API and its query parameters, less the fields the gateway sets itself.
 */
@Component
class PublicOperations implements OpenApiCustomizer {

  private static final Logger log = LoggerFactory.getLogger(PublicOperations.class);

  /** Every public operation, in the order of the README's table. */
  static final List<Described> OPERATIONS =
      List.of(
          op(HttpMethod.POST, "/v1/chat/completions", "createChatCompletion")
              .summary(
                  "Create a chat completion: a chat.completion, or with stream: true"
                      + " chat.completion.chunk events"),
          op(HttpMethod.POST, "/v1/completions", "createCompletion")
              .summary("Complete a plain prompt: a text_completion, streamed or not"),
          op(HttpMethod.GET, "/v1/models", "listModels")
              .summary("List the served models, the default first"),
          op(HttpMethod.GET, "/v1/models/{id}", "retrieveModel").summary("Retrieve one model"),
          op(HttpMethod.POST, "/v1/sessions", "createSession")
              .summary("Create a session (a conversation kept between turns) of the key's tenant")
              .body(CreateSessionRequest.class)
              .answers("201", Session.class),
          op(HttpMethod.GET, "/v1/sessions", "listSessions")
              .summary("List the tenant's sessions")
              .query("offset", "sessions to skip (default 0)")
              .query("limit", "most sessions to list, 1 to 100 (default 20)")
              .answers("200", SessionPage.class),
          op(HttpMethod.GET, "/v1/sessions/{id}", "retrieveSession")
              .summary("Retrieve one session")
              .answers("200", Session.class),
          op(HttpMethod.DELETE, "/v1/sessions/{id}", "deleteSession")
              .summary("Delete a session and its messages")
              .answers("204", null),
          op(HttpMethod.GET, "/v1/sessions/{id}/messages", "listSessionMessages")
              .summary("The session's conversation, oldest message first")
              .query("max_tokens", "only the newest messages that fit this many tokens")
              .answers("200", SessionMessages.class),
          op(HttpMethod.POST, "/v1/sessions/{id}/messages", "appendSessionMessages")
              .summary("Append messages to a session")
              .body(AppendMessagesRequest.class)
              .answers("200", AppendMessagesResponse.class));

  /** Fields of session-service's requests that the gateway sets: not the client's to send. */
  private static final Map<Class<?>, String> SET_BY_GATEWAY =
      Map.of(CreateSessionRequest.class, "owner", AppendMessagesRequest.class, "request_hash");

  private static final Pattern PATH_VARIABLE = Pattern.compile("\\{([^}/]+)}");

  @Override
  public void customise(OpenAPI api) {
    var schemas = new Schemas(api);
    for (Described described : OPERATIONS) {
      PathItem item = api.getPaths() == null ? null : api.getPaths().get(described.path());
      Operation operation = item == null ? null : item.readOperationsMap().get(described.method());
      if (operation == null) {
        log.warn("{} {} is not served: not documented", described.method(), described.path());
        continue;
      }
      described.applyTo(operation, schemas);
    }
    Schema<?> error = schemas.ref(OpenAiError.class);
    api.getPaths()
        .values()
        .forEach(
            item -> item.readOperations().forEach(operation -> answersErrors(operation, error)));
  }

  private static void answersErrors(Operation operation, Schema<?> error) {
    ApiResponses responses = operation.getResponses();
    responses.addApiResponse(
        "401", json("no API key, or one that is not configured (invalid_api_key)", error));
    responses.addApiResponse(
        "default",
        json(
            "any other error, in OpenAI's format: 400, 404, 409, 413, 422, 429 and 503 with"
                + " Retry-After, 504",
            error));
  }

  private static ApiResponse json(String description, Schema<?> schema) {
    return new ApiResponse()
        .description(description)
        .content(
            new Content()
                .addMediaType(
                    org.springframework.http.MediaType.APPLICATION_JSON_VALUE,
                    new MediaType().schema(schema)));
  }

  private static Described op(HttpMethod method, String path, String id) {
    return new Described(method, path, id, null, null, null, null, List.of());
  }

  /**
   * One public operation as the document shows it.
   *
   * @param body the request body's type, when the controller does not declare it
   * @param status the success status, with {@code answer}, when the controller does not declare it
   * @param answer the success body's type (null: none)
   */
  record Described(
      HttpMethod method,
      String path,
      String id,
      String summary,
      Class<?> body,
      String status,
      Class<?> answer,
      List<Parameter> query) {

    Described summary(String text) {
      return new Described(method, path, id, text, body, status, answer, query);
    }

    Described body(Class<?> type) {
      return new Described(method, path, id, summary, type, status, answer, query);
    }

    Described answers(String code, Class<?> type) {
      return new Described(method, path, id, summary, body, code, type, query);
    }

    Described query(String name, String description) {
      var more = new ArrayList<>(query);
      more.add(
          new Parameter()
              .in("query")
              .name(name)
              .description(description)
              .required(false)
              .schema(new StringSchema()));
      return new Described(method, path, id, summary, body, status, answer, List.copyOf(more));
    }

    /** The tag: the path's first segment after {@code /v1} ({@code chat}, {@code sessions}…). */
    String tag() {
      return path.split("/")[2];
    }

    void applyTo(Operation operation, Schemas schemas) {
      operation.operationId(id).summary(summary).tags(List.of(tag()));
      var matcher = PATH_VARIABLE.matcher(path);
      while (matcher.find()) {
        String name = matcher.group(1);
        if (operation.getParameters() == null
            || operation.getParameters().stream().noneMatch(p -> name.equals(p.getName()))) {
          operation.addParametersItem(
              new Parameter().in("path").name(name).required(true).schema(new StringSchema()));
        }
      }
      query.forEach(operation::addParametersItem);
      if (body != null) {
        operation.requestBody(
            new RequestBody()
                .required(true)
                .content(
                    new Content()
                        .addMediaType(
                            org.springframework.http.MediaType.APPLICATION_JSON_VALUE,
                            new MediaType().schema(schemas.ref(body)))));
      }
      if (status != null) {
        String reason = HttpStatus.valueOf(Integer.parseInt(status)).getReasonPhrase();
        operation.responses(
            new ApiResponses()
                .addApiResponse(
                    status,
                    answer == null
                        ? new ApiResponse().description(reason)
                        : json(reason, schemas.ref(answer))));
      }
    }
  }

  /** The document's component schemas, added to as types are referenced. */
  private static final class Schemas {
    private final OpenAPI api;
    private final ModelConverters converters;

    Schemas(OpenAPI api) {
      this.api = api;
      this.converters = ModelConverters.getInstance(api.getSpecVersion() == SpecVersion.V31);
    }

    /** A reference to the type's schema, which is added (with those it refers to) if missing. */
    Schema<?> ref(Class<?> type) {
      ResolvedSchema resolved =
          converters.readAllAsResolvedSchema(new AnnotatedType(type).resolveAsRef(false));
      String name = resolved.schema.getName();
      resolved.referencedSchemas.forEach(api.getComponents()::addSchemas);
      api.getComponents().addSchemas(name, resolved.schema);
      String gatewayField = SET_BY_GATEWAY.get(type);
      if (gatewayField != null) {
        Schema<?> schema = api.getComponents().getSchemas().get(name);
        schema.getProperties().remove(gatewayField);
        if (schema.getRequired() != null) {
          schema.getRequired().remove(gatewayField);
        }
      }
      return new Schema<>().$ref("#/components/schemas/" + name);
    }
  }
}
