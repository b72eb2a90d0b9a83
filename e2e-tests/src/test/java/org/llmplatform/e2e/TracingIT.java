package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.llmplatform.e2e.OtlpReceiver.ReceivedSpan;

/**
 * One chat request followed across the four services by its trace, as an operator sees it in a
 * trace backend: the services export their spans over OTLP to a receiver in this JVM ({@link
 * OtlpReceiver}).
 */
class TracingIT {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static Platform platform;

  @BeforeAll
  static void start() throws Exception {
    platform = Platform.get();
  }

  @Test
  void aChatTurnIsOneTraceWithSpansFromEveryService() throws Exception {
    String session = SessionIT.createSession(platform.alphaKey);
    String traceId = hex(16);
    String callerSpan = hex(8);

    Http.Answer answer =
        Http.post(
            platform.gatewayUrl() + "/v1/chat/completions",
            platform.alphaKey,
            SessionIT.turn(session, "Hi there", ""),
            "traceparent",
            "00-" + traceId + "-" + callerSpan + "-01");

    assertThat(answer.status()).as(answer.raw().body()).isEqualTo(200);
    assertThat(answer.header("X-Trace-Id")).as("the trace the caller started").isEqualTo(traceId);
    List<ReceivedSpan> spans =
        platform.traces.awaitTrace(
            traceId,
            // each service exports its own batches: wait for all four
            t ->
                names(t).containsAll(Set.of("queue wait", "prefill", "decode"))
                    && appended(t)
                    && Stream.of(
                            "gateway-service",
                            "tokenizer-service",
                            "session-service",
                            "inference-service")
                        .allMatch(service -> !server(t, service).isEmpty()),
            Duration.ofSeconds(30));
    Map<String, ReceivedSpan> byId =
        spans.stream().collect(Collectors.toMap(ReceivedSpan::spanId, Function.identity()));

    assertThat(spans.stream().map(ReceivedSpan::service).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder(
            "gateway-service", "tokenizer-service", "session-service", "inference-service");
    ReceivedSpan root = server(spans, "gateway-service").getFirst();
    assertThat(root.parentSpanId())
        .as("the gateway continues the caller's span")
        .isEqualTo(callerSpan);
    assertThat(root.name()).contains("/v1/chat/completions");
    // every other span descends from the gateway's server span
    for (ReceivedSpan span : spans) {
      if (span != root) {
        assertThat(ancestors(span, byId)).as(span.toString()).contains(root.spanId());
      }
    }
    assertThat(server(spans, "tokenizer-service"))
        .as("tokenize (chat template + ids)")
        .isNotEmpty();
    assertThat(server(spans, "session-service").stream().map(ReceivedSpan::name))
        .as("the session read, then the turn appended")
        .anyMatch(n -> n.startsWith("http get"))
        .anyMatch(n -> n.startsWith("http post") || n.startsWith("http put"));

    ReceivedSpan generate = server(spans, "inference-service").getFirst();
    ReceivedSpan queue = named(spans, "queue wait");
    ReceivedSpan prefill = named(spans, "prefill");
    ReceivedSpan decode = named(spans, "decode");
    for (ReceivedSpan phase : List.of(queue, prefill, decode)) {
      assertThat(phase.service()).isEqualTo("inference-service");
      assertThat(phase.parentSpanId()).as(phase.name()).isEqualTo(generate.spanId());
      assertThat(phase.endEpochNanos()).isGreaterThanOrEqualTo(phase.startEpochNanos());
    }
    assertThat(queue.endEpochNanos()).isLessThanOrEqualTo(prefill.startEpochNanos());
    assertThat(prefill.endEpochNanos()).isLessThanOrEqualTo(decode.startEpochNanos());
    assertThat(decode.attributes())
        .containsEntry(
            "llm.completion_tokens", answer.json().at("/usage/completion_tokens").asString())
        .containsEntry(
            "llm.finish_reason", answer.json().at("/choices/0/finish_reason").asString());
    assertThat(prefill.attributes())
        .containsEntry("llm.prompt_tokens", answer.json().at("/usage/prompt_tokens").asString());
  }

  @Test
  void everyAnswerNamesItsTraceEvenUnsampled() throws Exception {
    Http.Answer first = Http.get(platform.gatewayUrl() + "/v1/models", platform.alphaKey);
    Http.Answer second = Http.get(platform.gatewayUrl() + "/v1/models", "sk-not-a-key");

    assertThat(first.header("X-Trace-Id")).matches("[0-9a-f]{32}");
    assertThat(second.status()).isEqualTo(401);
    assertThat(second.header("X-Trace-Id"))
        .as("a refused request too")
        .matches("[0-9a-f]{32}")
        .isNotEqualTo(first.header("X-Trace-Id"));
  }

  private static boolean appended(List<ReceivedSpan> trace) {
    return server(trace, "session-service").stream()
        .anyMatch(s -> s.name().startsWith("http post") || s.name().startsWith("http put"));
  }

  private static Set<String> names(List<ReceivedSpan> trace) {
    return trace.stream().map(ReceivedSpan::name).collect(Collectors.toSet());
  }

  private static List<ReceivedSpan> server(List<ReceivedSpan> trace, String service) {
    return trace.stream()
        .filter(s -> s.service().equals(service) && s.kind().equals("SPAN_KIND_SERVER"))
        .toList();
  }

  private static ReceivedSpan named(List<ReceivedSpan> trace, String name) {
    return trace.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  private static List<String> ancestors(ReceivedSpan span, Map<String, ReceivedSpan> byId) {
    var chain = new java.util.ArrayList<String>();
    for (ReceivedSpan s = byId.get(span.parentSpanId());
        s != null;
        s = byId.get(s.parentSpanId())) {
      chain.add(s.spanId());
    }
    return chain;
  }

  private static String hex(int bytes) {
    byte[] id = new byte[bytes];
    RANDOM.nextBytes(id);
    return HexFormat.of().formatHex(id);
  }
}
