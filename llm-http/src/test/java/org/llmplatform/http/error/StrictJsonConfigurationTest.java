package org.llmplatform.http.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.error.ErrorBody;
import org.llmplatform.api.error.InvalidFieldException;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.boot.webflux.test.autoconfigure.AutoConfigureWebFlux;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;

/**
 * The auto-configuration in a WebFlux application, over HTTP: a value of the wrong JSON type is not
 * coerced but answered 400 naming the field by its path, and the error handler that calls {@link
 * ErrorResponses} answers every failure in the shared codes without a Java name or exception text.
 */
class StrictJsonConfigurationTest {

  private final ReactiveWebApplicationContextRunner runner =
      new ReactiveWebApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  JacksonAutoConfiguration.class,
                  CodecsAutoConfiguration.class,
                  WebFluxAutoConfiguration.class,
                  StrictJsonConfiguration.class))
          .withUserConfiguration(Probe.class, ProbeErrors.class)
          .withPropertyValues("spring.http.codecs.max-in-memory-size=4KB");

  /** A body with a nested record that refuses a field of its own. */
  record Order(Integer count, Double price, String name, Boolean rush, List<Line> lines) {}

  record Line(String role) {
    Line {
      if (!"user".equals(role)) {
        throw new InvalidFieldException("role", "role must be user");
      }
    }
  }

  @RestController
  static class Probe {
    @PostMapping("/orders")
    Order order(@RequestBody Order order) {
      return order;
    }

    @GetMapping("/boom")
    String boom() {
      throw new IllegalStateException("disk /var/secret is full");
    }
  }

  @RestControllerAdvice
  static class ProbeErrors {
    @ExceptionHandler(InvalidFieldException.class)
    ResponseEntity<ErrorBody> invalid(InvalidFieldException e) {
      return ErrorResponses.invalidField(e);
    }

    @ExceptionHandler(ServerWebInputException.class)
    ResponseEntity<ErrorBody> unreadable(ServerWebInputException e) {
      return ErrorResponses.unreadable(e);
    }

    @ExceptionHandler(ResponseStatusException.class)
    ResponseEntity<ErrorBody> status(ResponseStatusException e, ServerWebExchange exchange) {
      return ErrorResponses.status(e, exchange);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ErrorBody> unexpected(Exception e, ServerWebExchange exchange) {
      return ErrorResponses.internalError(e, exchange);
    }
  }

  @Test
  void isAnAutoConfigurationAlsoInWebFluxTestSlices() {
    ClassLoader loader = getClass().getClassLoader();
    assertThat(ImportCandidates.load(AutoConfiguration.class, loader).getCandidates())
        .contains(StrictJsonConfiguration.class.getName());
    assertThat(ImportCandidates.load(AutoConfigureWebFlux.class, loader).getCandidates())
        .contains(StrictJsonConfiguration.class.getName());
  }

  @Test
  void valuesOfTheWrongJsonTypeAre400sNamingTheField() {
    runner.run(
        context -> {
          WebTestClient http = WebTestClient.bindToApplicationContext(context).build();
          for (String[] body :
              List.of(
                  new String[] {"{\"count\":\"8\"}", "count"},
                  new String[] {"{\"count\":8.5}", "count"},
                  new String[] {"{\"price\":\"1.5\"}", "price"},
                  new String[] {"{\"name\":5}", "name"},
                  new String[] {"{\"name\":true}", "name"},
                  new String[] {"{\"rush\":1}", "rush"},
                  new String[] {"{\"rush\":\"true\"}", "rush"},
                  new String[] {"{\"lines\":[{\"role\":7}]}", "lines[0].role"})) {
            ErrorBody.Detail error = post(http, body[0], HttpStatus.BAD_REQUEST);
            assertThat(error.code()).as(body[0]).isEqualTo("invalid_request");
            assertThat(error.param()).as(body[0]).isEqualTo(body[1]);
            assertThat(error.message()).as(body[0]).startsWith(body[1]);
            assertClean(error);
          }
          http.post()
              .uri("/orders")
              .contentType(MediaType.APPLICATION_JSON)
              .bodyValue("{\"count\":8,\"price\":1,\"name\":\"x\",\"rush\":true}")
              .exchange()
              .expectStatus()
              .isOk()
              .expectBody()
              .jsonPath("$.count")
              .isEqualTo(8)
              .jsonPath("$.price")
              .isEqualTo(1.0);
        });
  }

  @Test
  void aFieldANestedRecordRefusesIsNamedByItsPathInTheBody() {
    runner.run(
        context -> {
          WebTestClient http = WebTestClient.bindToApplicationContext(context).build();
          ErrorBody.Detail error =
              post(
                  http,
                  "{\"lines\":[{\"role\":\"user\"},{\"role\":\"wizard\"}]}",
                  HttpStatus.BAD_REQUEST);
          assertThat(error.param()).isEqualTo("lines[1].role");
          assertThat(error.message()).isEqualTo("lines[1].role must be user");
        });
  }

  @Test
  void malformedJsonIsA400ThatSaysWhere() {
    runner.run(
        context -> {
          WebTestClient http = WebTestClient.bindToApplicationContext(context).build();
          ErrorBody.Detail error = post(http, "{\"count\":1,", HttpStatus.BAD_REQUEST);
          assertThat(error.code()).isEqualTo("invalid_request");
          assertThat(error.param()).isNull();
          assertThat(error.message()).startsWith("malformed JSON");
          assertClean(error);
        });
  }

  @Test
  void aBodyOverTheLimitIs413RequestTooLarge() {
    runner.run(
        context -> {
          WebTestClient http = WebTestClient.bindToApplicationContext(context).build();
          ErrorBody.Detail error =
              post(
                  http,
                  "{\"name\":\"" + "x".repeat(8 * 1024) + "\"}",
                  HttpStatus.CONTENT_TOO_LARGE);
          assertThat(error.code()).isEqualTo("request_too_large");
          assertClean(error);
        });
  }

  @Test
  void anUnexpectedFailureIs500WithTheRequestIdAndNoExceptionText() {
    runner.run(
        context -> {
          WebTestClient http = WebTestClient.bindToApplicationContext(context).build();
          ErrorBody.Detail error =
              http.get()
                  .uri("/boom")
                  .header("x-request-id", "req-42")
                  .exchange()
                  .expectStatus()
                  .isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR)
                  .expectBody(ErrorBody.class)
                  .returnResult()
                  .getResponseBody()
                  .error();
          assertThat(error.code()).isEqualTo("internal_error");
          assertThat(error.message()).contains("req-42").doesNotContain("secret", "full");
          assertClean(error);
        });
  }

  @Test
  void routingErrorsKeepTheirStatusInTheSharedCodes() {
    runner.run(
        context -> {
          WebTestClient http = WebTestClient.bindToApplicationContext(context).build();
          http.get()
              .uri("/nothing")
              .exchange()
              .expectStatus()
              .isNotFound()
              .expectBody()
              .jsonPath("$.error.code")
              .isEqualTo("not_found");
          http.get()
              .uri("/orders")
              .exchange()
              .expectStatus()
              .isEqualTo(HttpStatus.METHOD_NOT_ALLOWED)
              .expectHeader()
              .valueEquals("Allow", "POST")
              .expectBody()
              .jsonPath("$.error.code")
              .isEqualTo("invalid_request");
          http.post()
              .uri("/orders")
              .contentType(MediaType.TEXT_PLAIN)
              .bodyValue("{}")
              .exchange()
              .expectStatus()
              .isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE)
              .expectBody()
              .jsonPath("$.error.code")
              .isEqualTo("invalid_request");
        });
  }

  private static ErrorBody.Detail post(WebTestClient http, String body, HttpStatus status) {
    return http.post()
        .uri("/orders")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange()
        .expectStatus()
        .isEqualTo(status)
        .expectHeader()
        .contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
        .expectBody(ErrorBody.class)
        .returnResult()
        .getResponseBody()
        .error();
  }

  private static void assertClean(ErrorBody.Detail error) {
    assertThat(error.message())
        .isNotBlank()
        .doesNotContain("java.")
        .doesNotContain("org.")
        .doesNotContain("tools.jackson")
        .doesNotContain("Exception")
        .doesNotContain("Order")
        .doesNotContain("Line");
  }
}
