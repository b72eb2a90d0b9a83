package org.llmplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The playground at {@code /}: its page and every file it loads (found by following the page's
 * {@code src}/{@code href} and the scripts' imports) answer without an API key, all from the
 * gateway itself; the API the page calls still needs the key, and the page's paths are no way
 * around it.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "llm.gateway.models.tiny.inference-url=http://127.0.0.1:1",
      "llm.gateway.tokenizer-url=http://127.0.0.1:1",
      "llm.gateway.session-url=http://127.0.0.1:1",
      "llm.gateway.api-keys[0].sha256=" + GatewayTestKeys.ALPHA_SHA256,
      "llm.gateway.api-keys[0].tenant=alpha",
    })
@AutoConfigureWebTestClient
class PlaygroundPageTest {

  /** {@code src="…"} and {@code href="…"} in the page, {@code from '…'} in its scripts. */
  private static final Pattern REFERENCE =
      Pattern.compile("(?:\\b(?:src|href)=\"([^\"]*)\"|\\bfrom\\s+'([^']*)')");

  @Autowired WebTestClient http;
  @LocalServerPort int port;

  @Test
  void thePageAnswersWithoutAKey() {
    String page = get("/", MediaType.TEXT_HTML);

    assertThat(page).contains("<title>llm-platform playground</title>", "id=\"api-key\"");
    assertThat(get("/index.html", MediaType.TEXT_HTML)).isEqualTo(page);
  }

  @Test
  void everyFileThePageLoadsAnswersWithoutAKeyAndComesFromTheGateway() {
    var loaded = new LinkedHashSet<String>();
    var toRead = new ArrayDeque<String>();
    toRead.add("/");
    while (!toRead.isEmpty()) {
      String path = toRead.poll();
      if (!loaded.add(path)) {
        continue;
      }
      String text = get(path, null);
      for (String reference : references(text)) {
        if (reference.startsWith("data:")) {
          continue;
        }
        assertThat(reference)
            .as("%s loads %s: the page must work offline, from the gateway alone", path, reference)
            .doesNotContain("//")
            .doesNotStartWith("/");
        toRead.add(URI.create(path).resolve(reference).getPath());
      }
    }
    assertThat(loaded)
        .contains("/playground/playground.css", "/playground/playground.js", "/playground/api.js");
    http.get()
        .uri("/playground/api.js")
        .exchange()
        .expectHeader()
        .contentTypeCompatibleWith("text/javascript");
  }

  @Test
  void theApiThePageCallsStillNeedsTheKey() {
    http.get()
        .uri("/v1/models")
        .exchange()
        .expectStatus()
        .isUnauthorized()
        .expectHeader()
        .valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"llm-platform\"");
    http.get()
        .uri("/v1/models")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .exchange()
        .expectStatus()
        .isOk();
    http.get()
        .uri("/v1/sessions")
        .header(HttpHeaders.AUTHORIZATION, "Bearer sk-not-configured")
        .exchange()
        .expectStatus()
        .isUnauthorized();
    http.post().uri("/").exchange().expectStatus().isUnauthorized();
    http.delete().uri("/playground/api.js").exchange().expectStatus().isUnauthorized();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/playground/../v1/models",
        "/playground/%2e%2e/v1/models",
        "/playground;x=1/../v1/models",
        "/index.html/../v1/models",
        "/./v1/models",
        "/playground/../application.yml",
        "/playground/missing.js/../../v1/sessions",
      })
  void thePagesPathsAreNoWayAroundTheKey(String path) {
    var answer =
        http.get()
            .uri(URI.create("http://127.0.0.1:" + port + path))
            .exchange()
            .returnResult(String.class);
    assertThat(answer.getStatus().value()).as(path).isIn(400, 401, 404);
    assertThat(
            answer.getResponseBodyContent() == null
                ? ""
                : new String(answer.getResponseBodyContent()))
        .doesNotContain("\"object\":\"list\"")
        .doesNotContain("owned_by")
        .doesNotContain("spring:");
  }

  private String get(String path, MediaType type) {
    var exchange = http.get().uri(path).exchange().expectStatus().isOk();
    if (type != null) {
      exchange.expectHeader().contentTypeCompatibleWith(type);
    }
    return exchange.expectBody(String.class).returnResult().getResponseBody();
  }

  private static Set<String> references(String text) {
    var found = new LinkedHashSet<String>();
    Matcher matcher = REFERENCE.matcher(text);
    while (matcher.find()) {
      found.add(matcher.group(1) != null ? matcher.group(1) : matcher.group(2));
    }
    return found;
  }
}
