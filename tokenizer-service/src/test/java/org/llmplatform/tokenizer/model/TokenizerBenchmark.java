package org.llmplatform.tokenizer.model;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;
import org.llmplatform.api.tokenizer.StreamingDetokenizer;
import org.llmplatform.tokenizer.template.ChatTemplateRenderer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Benchmark of the tokenizer service (run by {@code bench/run-benchmark.sh}; not a test). Prints
 * one JSON line per measurement.
 *
 * <ul>
 *   <li>{@code lib <golden.json> <model dir> <name>}: single-thread tokens/s of encode (each golden
 *       string, and all of them joined as one document), decode (each golden id list) and the
 *       streaming detokenizer (ids one at a time), on the strings the Node reference is measured
 *       on.
 *   <li>{@code http <base url> <golden.json> <model>}: p50/p99 latency of each endpoint, requests
 *       sent one after another.
 *   <li>{@code chat <model dir> <name> <messages>}: mean ms of a chat prompt's render, its encode,
 *       the encode that also counts each message's tokens, and the naive count (one render and
 *       encode per message), on a conversation of that many messages of about 60 words each.
 * </ul>
 */
public final class TokenizerBenchmark {

  private static final JsonMapper JSON = JsonMapper.shared();
  private static final long WARMUP_NANOS = 1_000_000_000L;
  private static final long MEASURE_NANOS = 3_000_000_000L;

  private TokenizerBenchmark() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "lib" -> library(Path.of(args[1]), Path.of(args[2]), args[3]);
      case "http" -> http(args[1], Path.of(args[2]), args[3]);
      case "chat" -> chat(Path.of(args[1]), args[2], Integer.parseInt(args[3]));
      default -> throw new IllegalArgumentException("mode lib or http");
    }
  }

  private static List<String> texts(JsonNode golden) {
    return golden.path("encode").values().stream().map(e -> e.path("text").asString()).toList();
  }

  private static void library(Path goldenFile, Path dir, String name) throws IOException {
    JsonNode golden = JSON.readTree(goldenFile.toFile());
    List<String> texts = texts(golden);
    String document = String.join("\n", texts);
    try (ModelTokenizer model = TokenizerRegistry.load(name, dir, new ChatTemplateRenderer())) {
      List<List<Integer>> ids = texts.stream().map(t -> model.encode(t, true)).toList();
      report(
          name,
          "encode_strings",
          rate(
              () -> {
                int tokens = 0;
                for (String text : texts) {
                  tokens += model.encode(text, true).size();
                }
                return tokens;
              }));
      report(name, "encode_document", rate(() -> model.encode(document, true).size()));
      report(
          name,
          "decode",
          rate(
              () -> {
                int tokens = 0;
                for (List<Integer> sequence : ids) {
                  model.decode(sequence, true);
                  tokens += sequence.size();
                }
                return tokens;
              }));
      report(
          name,
          "stream_decode",
          rate(
              () -> {
                int tokens = 0;
                for (List<Integer> sequence : ids) {
                  StreamingDetokenizer detokenizer = model.streamingDetokenizer(true);
                  sequence.forEach(detokenizer::add);
                  detokenizer.finish();
                  tokens += sequence.size();
                }
                return tokens;
              }));
    }
  }

  private static void chat(Path dir, String name, int size) {
    java.util.Random random = new java.util.Random(1);
    String[] words = {"the", "story", "of", "a", "little", "girl", "who", "went", "to", "sea", ","};
    List<org.llmplatform.api.tokenizer.ChatMessage> messages = new java.util.ArrayList<>();
    messages.add(org.llmplatform.api.tokenizer.ChatMessage.of("system", "You are kind."));
    for (int i = 1; i < size; i++) {
      StringBuilder text = new StringBuilder();
      for (int w = 0; w < 60; w++) {
        text.append(words[random.nextInt(words.length)]).append(' ');
      }
      messages.add(
          org.llmplatform.api.tokenizer.ChatMessage.of(
              i % 2 == 1 ? "user" : "assistant", text.toString()));
    }
    try (ModelTokenizer model = TokenizerRegistry.load(name, dir, new ChatTemplateRenderer())) {
      ChatPrompt prompt = model.renderChat(messages, true, null, null, null, null);
      int tokens = model.encode(prompt, false).size();
      double render = millis(() -> model.renderChat(messages, true, null, null, null, null));
      double encode = millis(() -> model.encode(prompt, false));
      double counted = millis(() -> model.encodeChat(prompt, false));
      double naive =
          millis(
              () -> {
                for (int i = 1; i <= messages.size(); i++) {
                  model.encode(
                      model.renderChat(messages.subList(0, i), false, null, null, null, null),
                      false);
                }
              });
      System.out.printf(
          Locale.ROOT,
          "{\"tokenizer\":\"%s\",\"messages\":%d,\"tokens\":%d,\"render_ms\":%.3f,"
              + "\"encode_ms\":%.3f,\"encode_with_counts_ms\":%.3f,"
              + "\"naive_counts_ms\":%.3f}%n",
          name,
          messages.size(),
          tokens,
          render,
          encode,
          counted,
          naive);
    }
  }

  /** Mean milliseconds of {@code work}, on this thread. */
  private static double millis(Runnable work) {
    long end = System.nanoTime() + WARMUP_NANOS;
    while (System.nanoTime() < end) {
      work.run();
    }
    long runs = 0;
    long start = System.nanoTime();
    long elapsed;
    do {
      work.run();
      runs++;
      elapsed = System.nanoTime() - start;
    } while (elapsed < MEASURE_NANOS);
    return elapsed / 1e6 / runs;
  }

  /** Tokens per second of {@code work} (which returns the tokens it handled), on this thread. */
  private static double rate(IntSupplier work) {
    long end = System.nanoTime() + WARMUP_NANOS;
    while (System.nanoTime() < end) {
      work.getAsInt();
    }
    long tokens = 0;
    long start = System.nanoTime();
    long elapsed;
    do {
      tokens += work.getAsInt();
      elapsed = System.nanoTime() - start;
    } while (elapsed < MEASURE_NANOS);
    return tokens / (elapsed / 1e9);
  }

  private static void report(String name, String what, double tokensPerSecond) {
    System.out.printf(
        Locale.ROOT,
        "{\"impl\":\"java\",\"tokenizer\":\"%s\",\"what\":\"%s\",\"tokens_per_s\":%.0f}%n",
        name,
        what,
        tokensPerSecond);
  }

  private static void http(String base, Path goldenFile, String model) throws Exception {
    JsonNode golden = JSON.readTree(goldenFile.toFile());
    JsonNode entry = golden.path("encode").get(9); // "Once upon a time, there was a little girl…"
    JsonNode chat = golden.path("chat").get(3);
    String text = JSON.writeValueAsString(entry.path("text"));
    String ids = JSON.writeValueAsString(entry.path("ids"));
    String messages = JSON.writeValueAsString(chat.path("messages"));
    HttpClient client = HttpClient.newHttpClient();
    String m = "\"model\":\"" + model + "\"";
    latency(
        client,
        "tokenize_text",
        base + "/v1/internal/tokenize",
        "{" + m + ",\"text\":" + text + "}");
    latency(
        client,
        "tokenize_messages",
        base + "/v1/internal/tokenize",
        "{" + m + ",\"messages\":" + messages + "}");
    latency(
        client, "detokenize", base + "/v1/internal/detokenize", "{" + m + ",\"ids\":" + ids + "}");
    latency(
        client,
        "detokenize_stream",
        base + "/v1/internal/detokenize/stream",
        "{" + m + ",\"ids\":" + ids + "}");
    latency(client, "tokenizer_info", base + "/v1/internal/tokenizer?model=" + model, null);
  }

  private static void latency(HttpClient client, String what, String url, String body)
      throws Exception {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url));
    HttpRequest request =
        body == null
            ? builder.GET().build()
            : builder
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    for (int i = 0; i < 1000; i++) {
      send(client, request);
    }
    int n = 2000;
    long[] nanos = new long[n];
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      send(client, request);
      nanos[i] = System.nanoTime() - start;
    }
    Arrays.sort(nanos);
    System.out.printf(
        Locale.ROOT,
        "{\"impl\":\"http\",\"endpoint\":\"%s\",\"p50_ms\":%.3f,\"p99_ms\":%.3f}%n",
        what,
        nanos[n / 2] / 1e6,
        nanos[n * 99 / 100] / 1e6);
  }

  private static void send(HttpClient client, HttpRequest request) throws Exception {
    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(request.uri() + " answered " + response.statusCode());
    }
  }
}
