package org.llmplatform.e2e;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Plain HTTP to the platform: JSON calls and Server-Sent Event streams. */
final class Http {

  static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** An answer: status, one header of interest, and the JSON body (null when not JSON). */
  record Answer(int status, HttpResponse<String> raw, JsonNode json) {
    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }

    String errorCode() {
      return json == null ? null : json.path("error").path("code").asString(null);
    }
  }

  private Http() {}

  static Answer post(String url, String key, String body) throws Exception {
    return send(request(url, key).POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  /** Posts with extra request headers, given as name, value, name, value… */
  static Answer post(String url, String key, String body, String... headers) throws Exception {
    var request = request(url, key);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  static Answer get(String url, String key) throws Exception {
    return send(request(url, key).GET().build());
  }

  /** A GET to an internal service, as the gateway sends it: with the suite's internal token. */
  static Answer getInternal(String url) throws Exception {
    return send(internal(url).GET().build());
  }

  /** A POST to an internal service, as the gateway sends it: with the suite's internal token. */
  static Answer postInternal(String url, String body) throws Exception {
    return send(internal(url).POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  static Answer delete(String url, String key) throws Exception {
    return send(request(url, key).DELETE().build());
  }

  /** Posts and reads the whole SSE stream: the {@code data:} payloads in order. */
  static List<String> stream(String url, String key, String body, String... headers)
      throws Exception {
    try (var events = openStream(url, key, body, headers)) {
      var data = new ArrayList<String>();
      String payload;
      while ((payload = events.next()) != null) {
        data.add(payload);
      }
      return data;
    }
  }

  /** Opens an SSE stream; extra request headers as name, value, name, value… */
  static EventReader openStream(String url, String key, String body, String... headers)
      throws Exception {
    var request = request(url, key);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    HttpResponse<InputStream> response =
        CLIENT.send(
            request.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() != 200) {
      String error = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
      response.body().close();
      throw new AssertionError("stream answered " + response.statusCode() + ": " + error);
    }
    return new EventReader(response.body());
  }

  /** Reads {@code data:} payloads one at a time; closing it drops the connection. */
  static final class EventReader implements AutoCloseable {
    private final InputStream body;
    private final BufferedReader lines;

    EventReader(InputStream body) {
      this.body = body;
      this.lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    }

    /** The next payload, or null at the end of the stream. */
    String next() throws Exception {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith("data:")) {
          return line.substring(5).strip();
        }
      }
      return null;
    }

    @Override
    public void close() throws Exception {
      body.close();
    }
  }

  static JsonNode json(String text) {
    return JSON.readTree(text);
  }

  private static HttpRequest.Builder request(String url, String key) {
    var builder =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json");
    if (key != null) {
      builder.header("Authorization", "Bearer " + key);
    }
    return builder;
  }

  private static HttpRequest.Builder internal(String url) {
    return request(url, null).header("X-Internal-Token", ServiceProcess.INTERNAL_TOKEN);
  }

  private static Answer send(HttpRequest request) throws Exception {
    HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    JsonNode json = null;
    String body = response.body();
    if (body != null && (body.startsWith("{") || body.startsWith("["))) {
      json = JSON.readTree(body);
    }
    return new Answer(response.statusCode(), response, json);
  }
}
