package org.llmplatform.session.bench;

import io.netty.handler.codec.http.HttpHeaderNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Load generator of {@code bench/run.sh}: closed-loop clients (each sends its next request when the
 * previous one is answered) against a running session service, for appends and for reads. Prints
 * one CSV line per measurement: {@code op,clients,requests,seconds,per_second}.
 *
 * <p>Usage: {@code SessionLoad <base-url> <seconds> <clients>...}
 */
public final class SessionLoad {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String CONTENT = "x".repeat(200);

  private SessionLoad() {}

  public static void main(String[] args) {
    String baseUrl = args[0];
    Duration duration = Duration.ofSeconds(Long.parseLong(args[1]));
    HttpClient http =
        HttpClient.create(ConnectionProvider.builder("bench").maxConnections(512).build())
            .baseUrl(baseUrl)
            .headers(headers -> headers.set(HttpHeaderNames.CONTENT_TYPE, "application/json"));
    for (int i = 2; i < args.length; i++) {
      int clients = Integer.parseInt(args[i]);
      // Appends go to sessions of their own; reads to sessions that stay at 20 messages.
      List<String> appendTo = new ArrayList<>();
      List<String> readFrom = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        appendTo.add(createSession(http));
        String id = createSession(http);
        for (int m = 0; m < 20; m++) {
          append(http, id).block();
        }
        readFrom.add(id);
      }
      measure("warmup", clients, Duration.ofSeconds(2), c -> append(http, appendTo.get(c)));
      measure("append", clients, duration, c -> append(http, appendTo.get(c)));
      measure("warmup", clients, Duration.ofSeconds(2), c -> read(http, readFrom.get(c)));
      measure("read", clients, duration, c -> read(http, readFrom.get(c)));
    }
  }

  interface Request {
    Mono<Void> send(int client);
  }

  private static void measure(String op, int clients, Duration duration, Request request) {
    AtomicLong done = new AtomicLong();
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    Flux.range(0, clients)
        .flatMap(
            client ->
                Mono.defer(() -> request.send(client))
                    .doOnSuccess(ignored -> done.incrementAndGet())
                    .repeat(() -> System.nanoTime() < end)
                    .then(),
            clients)
        .blockLast();
    double seconds = (System.nanoTime() - start) / 1e9;
    if (!op.equals("warmup")) {
      System.out.printf(
          Locale.ROOT,
          "%s,%d,%d,%.2f,%.0f%n",
          op,
          clients,
          done.get(),
          seconds,
          done.get() / seconds);
    }
  }

  private static String createSession(HttpClient http) {
    String body =
        http.post()
            .uri("/v1/sessions")
            .send(
                ByteBufMono.fromString(
                    Mono.just("{\"owner\":\"bench\",\"system_prompt\":\"Be brief.\"}")))
            .responseSingle((response, content) -> expect(201, response.status().code(), content))
            .block();
    JsonNode session = JSON.readTree(body);
    return session.get("id").asString();
  }

  private static Mono<Void> append(HttpClient http, String id) {
    return http.post()
        .uri("/v1/sessions/" + id + "/messages?owner=bench")
        .send(
            ByteBufMono.fromString(
                Mono.just(
                    "{\"messages\":[{\"role\":\"user\",\"content\":\""
                        + CONTENT
                        + "\",\"token_count\":50}]}")))
        .responseSingle((response, content) -> expect(200, response.status().code(), content))
        .then();
  }

  private static Mono<Void> read(HttpClient http, String id) {
    return http.get()
        .uri("/v1/sessions/" + id + "/messages?owner=bench&max_tokens=4096")
        .responseSingle((response, content) -> expect(200, response.status().code(), content))
        .then();
  }

  private static Mono<String> expect(int status, int actual, reactor.netty.ByteBufMono content) {
    return content
        .asString()
        .defaultIfEmpty("")
        .flatMap(
            body ->
                actual == status
                    ? Mono.just(body)
                    : Mono.error(new IllegalStateException("HTTP " + actual + ": " + body)));
  }
}
