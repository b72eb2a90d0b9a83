package org.llmplatform.http.error;

import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.api.error.InvalidFieldException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.resource.NoResourceFoundException;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.MissingRequestValueException;
import org.springframework.web.server.NotAcceptableStatusException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DatabindException;

/**
 * The error answers every internal service gives for what is not its own business: a field a wire
 * record refused, a body that cannot be read or is too large, a wrong path, method or media type,
 * and an unexpected failure. Each service's error handler calls these, so the four answer alike:
 *
 * <ul>
 *   <li>400 {@code invalid_request}: a bad field ({@code param} names it by path, {@code
 *       messages[1].role}), malformed JSON, a wrong JSON type (nothing is coerced, see {@link
 *       StrictJsonConfiguration}), a wrong method or media type (405, 406, 415 keep their status);
 *   <li>404 {@code not_found}: no such endpoint;
 *   <li>413 {@code request_too_large}: a body over the service's limit ({@code
 *       spring.http.codecs.max-in-memory-size});
 *   <li>500 {@code internal_error}: anything else, with a fixed message and the request id; what
 *       went wrong goes to the log only.
 * </ul>
 *
 * Every answer is {@code application/json}, also to a client that accepts only {@code
 * text/event-stream}. No message passes on a framework's or an exception's text, which names Java
 * types, controller methods, files or the store's commands.
 */
public final class ErrorResponses {

  /** The code of a request the service refuses as it is: 400, or 405 / 406 / 415. */
  public static final String INVALID_REQUEST = "invalid_request";

  /** The code of a body over the size limit (413). */
  public static final String REQUEST_TOO_LARGE = "request_too_large";

  /** The code of a path no endpoint serves (404). */
  public static final String NOT_FOUND = "not_found";

  /** The code of an unexpected failure (500). */
  public static final String INTERNAL_ERROR = "internal_error";

  /** The header a caller may send its request id in; shown in a 500's message when sane. */
  public static final String REQUEST_ID_HEADER = "x-request-id";

  private static final Logger log = LoggerFactory.getLogger(ErrorResponses.class);

  private static final Pattern SANE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private ErrorResponses() {}

  /** An error answer as JSON. */
  public static ResponseEntity<ErrorBody> of(
      HttpStatusCode status, String code, String message, String param) {
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .body(ErrorBody.of(code, message, param));
  }

  /** 400 {@code invalid_request}. */
  public static ResponseEntity<ErrorBody> invalidRequest(String message, String param) {
    return of(HttpStatus.BAD_REQUEST, INVALID_REQUEST, message, param);
  }

  /** 400 {@code invalid_request} naming the field. */
  public static ResponseEntity<ErrorBody> invalidField(InvalidFieldException e) {
    return invalidRequest(e.getMessage(), e.param());
  }

  /** 413 {@code request_too_large}. */
  public static ResponseEntity<ErrorBody> tooLarge() {
    return of(
        HttpStatus.CONTENT_TOO_LARGE,
        REQUEST_TOO_LARGE,
        "the request body is larger than this service accepts",
        null);
  }

  /**
   * A request that could not be read: a record that refused a field (named by its path in the
   * body), malformed JSON or a wrong type ({@link BodyReadError}), a body over the limit, a missing
   * query parameter.
   */
  public static ResponseEntity<ErrorBody> unreadable(ServerWebInputException e) {
    String recordAt = null;
    JacksonException jackson = null;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof DataBufferLimitException) {
        return tooLarge();
      }
      if (t instanceof InvalidFieldException invalid) {
        return invalidField(within(recordAt, invalid));
      }
      if (t instanceof JacksonException j && jackson == null) {
        jackson = j;
        recordAt = j instanceof DatabindException ? BodyReadError.path(j) : null;
      }
    }
    if (jackson != null) {
      BodyReadError error = BodyReadError.of(jackson);
      return invalidRequest(error.message(), error.param());
    }
    if (e instanceof MissingRequestValueException missing) {
      return invalidRequest(missing.getName() + " is required", missing.getName());
    }
    return invalidRequest("the request body is missing or could not be read", null);
  }

  /**
   * Routing and content negotiation (a wrong path, method or media type), a body over the limit,
   * and any other status the framework raises.
   */
  public static ResponseEntity<ErrorBody> status(
      ResponseStatusException e, ServerWebExchange exchange) {
    if (e instanceof ServerWebInputException input) {
      return unreadable(input);
    }
    HttpStatusCode status = e.getStatusCode();
    if (status.value() == HttpStatus.CONTENT_TOO_LARGE.value()) {
      return tooLarge();
    }
    if (status.is5xxServerError()) {
      return failed(status, e, exchange);
    }
    String message =
        switch (e) {
          case UnsupportedMediaTypeStatusException m ->
              "content type "
                  + (m.getContentType() == null ? "(none)" : "'" + m.getContentType() + "'")
                  + " is not supported; send application/json";
          case MethodNotAllowedException m ->
              "method "
                  + m.getHttpMethod()
                  + " is not allowed here; use "
                  + m.getSupportedMethods().stream()
                      .map(Object::toString)
                      .sorted()
                      .collect(Collectors.joining(", "));
          case NoResourceFoundException n -> "no such endpoint";
          case NotAcceptableStatusException n -> "none of the accepted media types can be produced";
          default -> {
            HttpStatus known = HttpStatus.resolve(status.value());
            yield known != null
                ? known.getReasonPhrase().toLowerCase(Locale.ROOT)
                : "error " + status.value();
          }
        };
    String code = status.value() == HttpStatus.NOT_FOUND.value() ? NOT_FOUND : INVALID_REQUEST;
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .headers(e.getHeaders())
        .body(ErrorBody.of(code, message, null));
  }

  /**
   * 500 {@code internal_error}: logs the failure with the request id and answers that id only,
   * never the exception's text.
   */
  public static ResponseEntity<ErrorBody> internalError(Throwable e, ServerWebExchange exchange) {
    return failed(HttpStatus.INTERNAL_SERVER_ERROR, e, exchange);
  }

  private static ResponseEntity<ErrorBody> failed(
      HttpStatusCode status, Throwable e, ServerWebExchange exchange) {
    String id = requestId(exchange);
    log.error(
        "{}{} {} failed (request id {})",
        exchange.getLogPrefix(),
        exchange.getRequest().getMethod(),
        exchange.getRequest().getPath().value(),
        id,
        e);
    return of(
        status,
        INTERNAL_ERROR,
        "internal error; see the service log (request id " + id + ")",
        null);
  }

  /** The caller's {@value #REQUEST_ID_HEADER} when it sent a sane one, else the exchange's id. */
  static String requestId(ServerWebExchange exchange) {
    String sent = exchange.getRequest().getHeaders().getFirst(REQUEST_ID_HEADER);
    return sent != null && SANE_REQUEST_ID.matcher(sent).matches()
        ? sent
        : exchange.getRequest().getId();
  }

  /**
   * A field refused by a record read at {@code recordAt} in the body ({@code messages[1]}): named
   * by its full path ({@code messages[1].role}), in the message too when it starts with the name.
   */
  private static InvalidFieldException within(String recordAt, InvalidFieldException e) {
    if (recordAt == null) {
      return e;
    }
    String param = e.param();
    String message = e.getMessage();
    if (param == null) {
      return new InvalidFieldException(recordAt, recordAt + ": " + message);
    }
    String path = recordAt + (param.startsWith("[") ? "" : ".") + param;
    return new InvalidFieldException(
        path,
        message != null && message.startsWith(param)
            ? path + message.substring(param.length())
            : path + ": " + message);
  }
}
