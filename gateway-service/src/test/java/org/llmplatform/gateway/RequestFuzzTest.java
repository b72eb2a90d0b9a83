package org.llmplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fuzzes the public request parsers: valid chat, completions and session bodies, mutated in their
 * JSON (a value of another type or shape, a key dropped or made up, deep nesting, huge and odd
 * numbers, control characters and lone surrogates) and in their bytes (cut short, a byte changed,
 * invalid UTF-8), posted to every public POST route with a valid key. No downstream listens, so a
 * request that parses gets 503. Every answer is a documented status with the error JSON, never a
 * 500, never a Java name in the message.
 *
 * <p>Budget: {@code -Dfuzz.runs=N} requests (default 200), from {@code -Dfuzz.seed} (default 0). A
 * failing body is written to {@code target/fuzz-found/request/}; move it to {@code
 * src/test/resources/fuzz/request/} (first line the route, then the body) to replay it in every
 * run.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "llm.gateway.models.tiny.inference-url=http://127.0.0.1:1",
      "llm.gateway.tokenizer-url=http://127.0.0.1:1",
      "llm.gateway.session-url=http://127.0.0.1:1",
      "llm.gateway.resilience.retries=0",
      "llm.gateway.api-keys[0].sha256=" + GatewayTestKeys.ALPHA_SHA256,
      "llm.gateway.api-keys[0].tenant=alpha",
      "llm.gateway.api-keys[0].requests-per-minute=100000000",
    })
@AutoConfigureWebTestClient
class RequestFuzzTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String FOUND = "fuzz/request";

  /** Statuses a client may get here; 503: the request parsed and went on to a downstream. */
  private static final Set<Integer> DOCUMENTED = Set.of(400, 404, 413, 415, 422, 429, 503, 504);

  private static final List<String[]> SEEDS =
      List.of(
          new String[] {
            "/v1/chat/completions",
            "{\"model\":\"tiny\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":8,\"temperature\":0.5,"
                + "\"stop\":[\"\\n\"],\"stream\":true,\"stream_options\":{\"include_usage\":true}}"
          },
          new String[] {
            "/v1/chat/completions",
            "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"w\"}]},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":"
                + "\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"1\"}],\"tools\":[{\"type\":"
                + "\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\","
                + "\"properties\":{\"q\":{\"type\":\"string\"}}}}}],\"tool_choice\":\"auto\"}"
          },
          new String[] {
            "/v1/chat/completions",
            "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"j\"}],\"n\":2,"
                + "\"seed\":1,\"logprobs\":true,\"top_logprobs\":2,\"logit_bias\":{\"5\":-100},"
                + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"a\","
                + "\"schema\":{\"type\":\"object\",\"properties\":{\"k\":{\"enum\":[1,2]}}}}}}"
          },
          new String[] {
            "/v1/completions",
            "{\"model\":\"tiny\",\"prompt\":[\"a\",\"b\"],\"max_tokens\":4,\"echo\":true,\"n\":1,"
                + "\"top_k\":5,\"min_p\":0.1,\"repetition_penalty\":1.1}"
          },
          new String[] {"/v1/completions", "{\"prompt\":[[1,2,3],[4]],\"logprobs\":2}"},
          new String[] {
            "/v1/sessions",
            "{\"model\":\"tiny\",\"system_prompt\":\"s\",\"metadata\":{\"k\":\"v\"}}"
          },
          new String[] {
            "/v1/sessions/sess_abc/messages",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"m\"}]}"
          });

  @Autowired WebTestClient http;

  @Test
  void mutatedRequestsGetADocumentedErrorNeverA500() throws IOException {
    int runs = Integer.getInteger("fuzz.runs", 200);
    long base = Long.getLong("fuzz.seed", 0);
    var statuses = new java.util.TreeMap<Integer, Integer>();
    for (long seed = base; seed < base + runs; seed++) {
      Random r = new Random(seed);
      String[] start = SEEDS.get(r.nextInt(SEEDS.size()));
      byte[] body = mutate(r, start[1]);
      try {
        statuses.merge(check(start[0], body), 1, Integer::sum);
      } catch (AssertionError failure) {
        Path kept = keep(seed, start[0], body);
        throw new AssertionError("seed " + seed + " (kept in " + kept + ")", failure);
      }
    }
    // both sides are reached: bodies the parsers refuse, and bodies that get past them
    assertThat(statuses).as("statuses").containsKeys(400, 503);
  }

  @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
  @MethodSource("regressions")
  void foundInputsStayFixed(String name, String route, byte[] body) {
    check(route, body);
  }

  static Stream<Object[]> regressions() throws IOException, URISyntaxException {
    var url = RequestFuzzTest.class.getClassLoader().getResource(FOUND);
    if (url == null) {
      return Stream.empty();
    }
    var cases = new ArrayList<Object[]>();
    try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
      for (Path file : files.sorted().toList()) {
        byte[] all = Files.readAllBytes(file);
        int newline = indexOf(all, (byte) '\n');
        String route = new String(all, 0, newline, StandardCharsets.UTF_8);
        byte[] body = java.util.Arrays.copyOfRange(all, newline + 1, all.length);
        cases.add(new Object[] {file.getFileName().toString(), route, body});
      }
    }
    return cases.stream();
  }

  /** Posts the body and checks the answer; its status. */
  private int check(String route, byte[] body) {
    EntityExchangeResult<byte[]> answer =
        http.post()
            .uri(route)
            .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body)
            .exchange()
            .expectBody()
            .returnResult();
    int status = answer.getStatus().value();
    String text =
        answer.getResponseBody() == null
            ? ""
            : new String(answer.getResponseBody(), StandardCharsets.UTF_8);
    String why =
        route + " " + new String(body, StandardCharsets.UTF_8) + " -> " + status + " " + text;
    assertThat(status).as(why).isIn(DOCUMENTED);
    JsonNode error = JSON.readTree(text).path("error");
    assertThat(error.path("code").asString("")).as(why).isNotBlank();
    assertThat(error.path("message").asString(""))
        .as(why)
        .isNotBlank()
        .doesNotContain("java.", "org.llmplatform", "Exception", "tools.jackson");
    return status;
  }

  /** A mutation of {@code json}: in its tree (mostly) or in its bytes. */
  private static byte[] mutate(Random r, String json) {
    if (r.nextInt(5) == 0) {
      return mutateBytes(r, json.getBytes(StandardCharsets.UTF_8));
    }
    JsonNode tree = JSON.readTree(json);
    int edits = 1 + r.nextInt(3);
    for (int i = 0; i < edits; i++) {
      tree = mutateTree(r, tree, 0);
    }
    return JSON.writeValueAsString(tree).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] mutateBytes(Random r, byte[] bytes) {
    return switch (r.nextInt(4)) {
      case 0 -> java.util.Arrays.copyOf(bytes, r.nextInt(bytes.length)); // cut short
      case 1 -> {
        byte[] out = bytes.clone();
        out[r.nextInt(out.length)] = (byte) r.nextInt(256);
        yield out;
      }
      case 2 -> {
        byte[] out = bytes.clone();
        int at = 1 + r.nextInt(out.length - 2);
        out[at] = (byte) 0xC3; // a UTF-8 lead byte before whatever follows: invalid there
        yield out;
      }
      default ->
          ("\uFEFF" + new String(bytes, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
    };
  }

  /** The tree with one node somewhere replaced, removed or added to. */
  private static JsonNode mutateTree(Random r, JsonNode node, int depth) {
    boolean here = depth > 4 || !node.isContainer() || node.isEmpty() || r.nextInt(3) == 0;
    if (here) {
      return switch (r.nextInt(3)) {
        case 0 -> randomValue(r, 0);
        case 1 -> node.isObject() ? withExtraKey(r, (ObjectNode) node.deepCopy()) : node;
        default -> node.isArray() ? NODES.arrayNode().add(node) : randomValue(r, 0);
      };
    }
    if (node.isObject()) {
      ObjectNode copy = ((ObjectNode) node).deepCopy();
      List<String> names = new ArrayList<>(copy.propertyNames());
      String name = names.get(r.nextInt(names.size()));
      if (r.nextInt(5) == 0) {
        copy.remove(name);
      } else {
        copy.set(name, mutateTree(r, copy.get(name), depth + 1));
      }
      return copy;
    }
    ArrayNode copy = ((ArrayNode) node).deepCopy();
    int i = r.nextInt(copy.size());
    copy.set(i, mutateTree(r, copy.get(i), depth + 1));
    return copy;
  }

  private static ObjectNode withExtraKey(Random r, ObjectNode node) {
    String[] keys = {"x", "model", "session_id", "messages", "", "__proto__", "max_tokens"};
    node.set(keys[r.nextInt(keys.length)], randomValue(r, 0));
    return node;
  }

  private static JsonNode randomValue(Random r, int depth) {
    return switch (r.nextInt(depth > 2 ? 9 : 12)) {
      case 0 -> NODES.nullNode();
      case 1 -> NODES.booleanNode(r.nextBoolean());
      case 2 -> NODES.numberNode(r.nextInt(2001) - 1000);
      case 3 -> NODES.numberNode(new java.math.BigDecimal("1e400"));
      case 4 -> NODES.numberNode(new java.math.BigInteger("123456789012345678901234567890"));
      case 5 -> NODES.numberNode(-0.0);
      case 6 -> NODES.stringNode(randomText(r));
      case 7 -> NODES.stringNode("");
      case 8 -> NODES.stringNode("tiny");
      case 9 -> {
        ArrayNode a = NODES.arrayNode();
        int n = r.nextInt(3);
        for (int i = 0; i < n; i++) {
          a.add(randomValue(r, depth + 1));
        }
        yield a;
      }
      case 10 -> {
        ObjectNode o = NODES.objectNode();
        o.set(r.nextBoolean() ? "role" : "content", randomValue(r, depth + 1));
        yield o;
      }
      default -> {
        JsonNode deep = NODES.arrayNode();
        for (int i = 0; i < 60; i++) {
          deep = NODES.arrayNode().add(deep);
        }
        yield deep;
      }
    };
  }

  private static String randomText(Random r) {
    String[] parts = {"a", "\u0000", "\n", "\uD800", "😀", "{{ 7*7 }}", "<|im_start|>", "\"", "é"};
    StringBuilder text = new StringBuilder();
    int n = r.nextInt(6);
    for (int i = 0; i < n; i++) {
      text.append(parts[r.nextInt(parts.length)]);
    }
    return text.toString();
  }

  private static Path keep(long seed, String route, byte[] body) throws IOException {
    Path dir = Path.of("target", "fuzz-found", "request");
    Files.createDirectories(dir);
    Path file = dir.resolve("seed-" + seed + ".txt");
    byte[] head = (route + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] all = java.util.Arrays.copyOf(head, head.length + body.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    Files.write(file, all);
    return file;
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
