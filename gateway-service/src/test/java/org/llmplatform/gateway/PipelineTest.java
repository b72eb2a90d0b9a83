package org.llmplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.model.TestTokenizers;
import org.reactivestreams.Publisher;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.NettyOutbound;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The request pipeline of chat and completions (model → session → tokenize → admit → generate →
 * detokenize → stop strings → respond → append) against downstream services played by HTTP servers
 * that record what they are sent: n choices from one generation request, stop strings per choice,
 * several prompts and token-id prompts, echo, usage, the developer role, history trimming and the
 * session append. The fake inference-service answers choice i with {@link #TEXTS}[i], its tokens
 * interleaved with the other choices' as the engine's are.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "llm.gateway.api-keys[0].sha256=" + GatewayTestKeys.ALPHA_SHA256,
      "llm.gateway.api-keys[0].tenant=alpha",
      "llm.gateway.load-models-at-start-up=false",
      "llm.gateway.resilience.retries=0",
    })
@AutoConfigureWebTestClient(timeout = "30s") // a loaded CI machine, not a time limit
class PipelineTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final List<String> TEXTS = List.of("Hello world", "Good day to you", "Bye now");
  private static final int CONTEXT = 64;

  /** What each fake service was sent: path → request bodies, in order. */
  private static final Map<String, Queue<JsonNode>> SENT = new ConcurrentHashMap<>();

  /** The fake inference-service answers with {@link #CALL} (a model that calls a tool). */
  private static volatile boolean toolCalls;

  /** The fake inference-service never finishes its streams (a long answer a stop string ends). */
  private static volatile boolean endless;

  /** Counted down when a generation stream is cancelled by the gateway. */
  private static volatile CountDownLatch cancelled = new CountDownLatch(1);

  /** The session's history the fake session-service answers with (role, content, token count). */
  private static volatile List<Map<String, Object>> history = List.of();

  private static final DisposableServer TOKENIZER =
      service(
          routes ->
              FakeTokenizer.routes(routes, "hermes")
                  .post("/v1/internal/tokenize", PipelineTest::tokenize));

  private static final DisposableServer INFERENCE =
      service(
          routes ->
              routes
                  .get(
                      "/v1/internal/model",
                      (req, res) -> json(res, FakeTokenizer.modelInfo(CONTEXT)))
                  .post("/v1/internal/generate", PipelineTest::generate));

  private static final DisposableServer SESSIONS =
      service(
          routes ->
              routes
                  .get(
                      "/v1/sessions/{id}/messages",
                      (req, res) ->
                          json(
                              res,
                              JSON.writeValueAsString(
                                  Map.of(
                                      "session_id",
                                      "s1",
                                      "system_prompt",
                                      "rules",
                                      "messages",
                                      messages(),
                                      "last_seq",
                                      (long) history.size(),
                                      "total_tokens",
                                      0,
                                      "truncated",
                                      false))))
                  .get(
                      "/v1/sessions/{id}/appends/{key}",
                      (req, res) ->
                          res.status(404)
                              .header("Content-Type", "application/json")
                              .sendString(
                                  Mono.just(
                                      "{\"error\":{\"code\":\"idempotency_key_not_found\","
                                          + "\"message\":\"none\",\"param\":null}}")))
                  .post(
                      "/v1/sessions/{id}/messages",
                      (req, res) ->
                          record("append", req)
                              .then(
                                  json(res, "{\"session_id\":\"s1\",\"seq\":9,\"replayed\":false}")
                                      .then())));

  @DynamicPropertySource
  static void downstreams(DynamicPropertyRegistry registry) {
    registry.add("llm.gateway.models.tiny.inference-url", () -> url(INFERENCE));
    registry.add("llm.gateway.tokenizer-url", () -> url(TOKENIZER));
    registry.add("llm.gateway.session-url", () -> url(SESSIONS));
  }

  @AfterAll
  static void stop() {
    List.of(TOKENIZER, INFERENCE, SESSIONS).forEach(DisposableServer::disposeNow);
  }

  @Autowired WebTestClient http;

  @BeforeEach
  void forget() {
    SENT.clear();
    history = List.of();
    toolCalls = false;
    endless = false;
    cancelled = new CountDownLatch(1);
  }

  @Test
  void nChoicesComeFromOneGenerationRequestEachWithItsIndex() {
    JsonNode answer = post("/v1/chat/completions", chat("\"n\":3,\"max_tokens\":8"));
    assertThat(sent("generate")).hasSize(1);
    assertThat(sent("generate").getFirst().get("n").asInt()).isEqualTo(3);
    for (int i = 0; i < 3; i++) {
      JsonNode choice = answer.get("choices").get(i);
      assertThat(choice.get("index").asInt()).isEqualTo(i);
      assertThat(choice.get("message").get("content").asString()).isEqualTo(TEXTS.get(i));
      assertThat(choice.get("finish_reason").asString()).isEqualTo("length");
    }
    JsonNode usage = answer.get("usage");
    assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(4); // the prompt once, not 3 times
    assertThat(usage.get("completion_tokens").asInt()).isEqualTo(answerTokens(0, 1, 2));
  }

  @Test
  void oneChoiceSendsNoN() {
    JsonNode answer = post("/v1/chat/completions", chat("\"max_tokens\":8"));
    assertThat(sent("generate").getFirst().has("n")).isFalse();
    assertThat(answer.get("choices")).hasSize(1);
    assertThat(answer.at("/choices/0/message/content").asString()).isEqualTo(TEXTS.get(0));
  }

  @Test
  void streamedChoicesEachStartWithTheRoleAndEndWithTheirFinish() {
    List<JsonNode> chunks =
        stream(
            "/v1/chat/completions",
            chat("\"n\":2,\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
    for (int i = 0; i < 2; i++) {
      int index = i;
      List<JsonNode> mine =
          chunks.stream()
              .filter(c -> !c.get("choices").isEmpty())
              .filter(c -> c.at("/choices/0/index").asInt() == index)
              .toList();
      assertThat(mine.getFirst().at("/choices/0/delta/role").asString()).isEqualTo("assistant");
      assertThat(mine.getLast().at("/choices/0/finish_reason").asString()).isEqualTo("length");
      var text = new StringBuilder();
      mine.forEach(c -> text.append(c.at("/choices/0/delta/content").asString("")));
      assertThat(text).hasToString(TEXTS.get(i));
    }
    JsonNode usage = chunks.getLast().get("usage");
    assertThat(chunks.getLast().get("choices")).isEmpty();
    assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(4);
    assertThat(usage.get("completion_tokens").asInt()).isEqualTo(answerTokens(0, 1));
  }

  @Test
  void aStopStringEndsOnlyTheChoiceItAppearsIn() {
    JsonNode answer = post("/v1/chat/completions", chat("\"n\":2,\"stop\":[\" day\"]"));
    assertThat(answer.at("/choices/0/message/content").asString()).isEqualTo(TEXTS.get(0));
    assertThat(answer.at("/choices/0/finish_reason").asString()).isEqualTo("length");
    assertThat(answer.at("/choices/1/message/content").asString()).isEqualTo("Good");
    assertThat(answer.at("/choices/1/finish_reason").asString()).isEqualTo("stop");
  }

  @Test
  void stopStringsEndingEveryChoiceCancelTheGenerationAndFreeItsSlot() throws InterruptedException {
    endless = true;
    JsonNode answer = post("/v1/chat/completions", chat("\"n\":2,\"stop\":[\"world\",\"day\"]"));
    assertThat(answer.at("/choices/0/message/content").asString()).isEqualTo("Hello ");
    assertThat(answer.at("/choices/1/message/content").asString()).isEqualTo("Good ");
    assertThat(answer.at("/choices/1/finish_reason").asString()).isEqualTo("stop");
    assertThat(cancelled.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void streamedTextReachesTheClientWhileTheGenerationStillRuns() throws InterruptedException {
    endless = true; // the tokens, then nothing: never a finish
    List<String> received =
        http.post()
            .uri("/v1/chat/completions")
            .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(chat("\"stream\":true"))
            .exchange()
            .expectStatus()
            .isOk()
            .returnResult(String.class)
            .getResponseBody()
            .filter(data -> data.contains("\"content\":\"Hello"))
            .take(
                1) // then cancel: a gateway that held the events back until the end never gets here
            .collectList()
            .block(Duration.ofSeconds(10));
    assertThat(received).hasSize(1);
    assertThat(cancelled.await(10, TimeUnit.SECONDS)).isTrue(); // the client left: so does it
  }

  @Test
  void aDeveloperMessageIsRenderedAsTheSystemRole() {
    post(
        "/v1/chat/completions",
        """
        {"model":"tiny","messages":[{"role":"developer","content":"be brief"},
                                    {"role":"user","content":"hi"}]}
        """);
    JsonNode messages = sent("tokenize").getFirst().get("messages");
    assertThat(messages.get(0).get("role").asString()).isEqualTo("system");
    assertThat(messages.get(0).get("content").asString()).isEqualTo("be brief");
  }

  @Test
  void pastToolCallsAndResultsReachTheTemplateTheHuggingFaceWay() {
    post(
        "/v1/chat/completions",
        """
        {"model":"tiny","messages":[
          {"role":"user","content":"Weather in Paris?"},
          {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
            "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
          {"role":"tool","tool_call_id":"call_1","content":"18 C"}]}
        """);
    JsonNode messages = sent("tokenize").getFirst().get("messages");
    JsonNode call = messages.get(1).get("tool_calls").get(0);
    // the calls-only turn has no content (none to the template, as transformers passes it)
    assertThat(
            messages.get(1).path("content").isMissingNode()
                || messages.get(1).get("content").isNull())
        .as(messages.get(1).toString())
        .isTrue();
    assertThat(call.get("id").asString()).isEqualTo("call_1");
    assertThat(call.at("/function/name").asString()).isEqualTo("get_weather");
    // a mapping, as templates written for apply_chat_template expect (| tojson, .items())
    assertThat(call.at("/function/arguments/city").asString()).isEqualTo("Paris");
    assertThat(messages.get(2).get("tool_call_id").asString()).isEqualTo("call_1");
    assertThat(messages.get(2).get("content").asString()).isEqualTo("18 C");
  }

  private static final String TOOLS =
      "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
          + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
          + "\"required\":[\"city\"]}}}]";

  @Test
  void aToolCallComesBackAsToolCallsWithTheGrammarSentToTheEngine() {
    toolCalls = true;
    JsonNode answer = post("/v1/chat/completions", chat(TOOLS + ",\"max_tokens\":60"));
    JsonNode message = answer.at("/choices/0/message");
    assertThat(message.get("content").isNull()).as(message.toString()).isTrue();
    JsonNode call = message.get("tool_calls").get(0);
    assertThat(call.get("id").asString()).startsWith("call_");
    assertThat(call.get("type").asString()).isEqualTo("function");
    assertThat(call.at("/function/name").asString()).isEqualTo("get_weather");
    assertThat(JSON.readTree(call.at("/function/arguments").asString()))
        .isEqualTo(JSON.readTree("{\"city\":\"Paris\"}"));
    assertThat(answer.at("/choices/0/finish_reason").asString()).isEqualTo("tool_calls");
    // the template saw the tools; the engine got the calls' grammar, lazy under auto
    assertThat(sent("tokenize").getFirst().at("/tools/0/function/name").asString())
        .isEqualTo("get_weather");
    // in the client's order on every start (the template may write the tools as JSON)
    assertThat(sent("tokenize").getFirst().at("/tools/0").toString())
        .startsWith("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"");
    JsonNode grammar = sent("generate").getFirst().get("constraint");
    assertThat(grammar.get("type").asString()).isEqualTo("tool_calls");
    assertThat(grammar.at("/tool_calls/opener").asString()).isEqualTo("<tool_call>\n");
    assertThat(grammar.at("/tool_calls/required").asBoolean()).isFalse();
    JsonNode schema = JSON.readTree(grammar.at("/tool_calls/schema").asString());
    assertThat(schema.at("/properties/name/const").asString()).isEqualTo("get_weather");
    assertThat(schema.at("/properties/arguments/required/0").asString()).isEqualTo("city");
    // declared properties only: the model fills the names it was given
    assertThat(schema.at("/properties/arguments/additionalProperties").isBoolean()).isTrue();
    assertThat(schema.at("/properties/arguments/additionalProperties").asBoolean()).isFalse();
  }

  @Test
  void aSessionKeepsTheCallAndTheClientSendsOnlyTheResultNext() {
    toolCalls = true;
    post(
        "/v1/chat/completions",
        "{\"model\":\"tiny\",\"session_id\":\"s1\",\"messages\":["
            + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"}],"
            + TOOLS
            + "}");
    JsonNode stored = sent("append").getFirst().get("messages").get(1);
    assertThat(stored.get("role").asString()).isEqualTo("assistant");
    assertThat(stored.get("content").isNull()).isTrue();
    assertThat(stored.at("/tool_calls/0/function/name").asString()).isEqualTo("get_weather");
    String id = stored.at("/tool_calls/0/id").asString();

    // the next turn: the session supplies the call, the client sends its result
    history =
        List.of(
            message("user", "Weather in Paris?", 10),
            Map.of(
                "role",
                "assistant",
                "content",
                "",
                "tool_calls",
                List.of(JSON.treeToValue(stored.at("/tool_calls/0"), Map.class)),
                "token_count",
                12));
    toolCalls = false;
    SENT.clear();
    post(
        "/v1/chat/completions",
        "{\"model\":\"tiny\",\"session_id\":\"s1\",\"messages\":["
            + "{\"role\":\"tool\",\"tool_call_id\":\""
            + id
            + "\",\"content\":\"18 C\"}],"
            + TOOLS
            + "}");
    JsonNode rendered = sent("tokenize").getFirst().get("messages");
    assertThat(rendered.get(2).at("/tool_calls/0/id").asString()).isEqualTo(id);
    assertThat(rendered.get(3).get("tool_call_id").asString()).isEqualTo(id);
    JsonNode appended = sent("append").getFirst().get("messages");
    assertThat(appended.get(0).get("tool_call_id").asString()).isEqualTo(id);
  }

  @Test
  void aMessageStoredBeforeTodaysRulesDoesNotBreakItsSession() {
    // a tool message without tool_call_id and a developer message, as older versions stored them
    history =
        List.of(
            message("developer", "be brief", 3),
            message("tool", "18 C", 3),
            message("assistant", "ok", 1));
    post(
        "/v1/chat/completions",
        "{\"model\":\"tiny\",\"session_id\":\"s1\",\"max_tokens\":4,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    JsonNode rendered = sent("tokenize").getFirst().get("messages");
    assertThat(rendered.get(1).get("role").asString()).isEqualTo("system"); // developer
    assertThat(rendered.get(2).get("role").asString()).isEqualTo("tool");
  }

  @Test
  void aRequiredOrNamedToolChoiceMakesTheWholeAnswerACall() {
    toolCalls = true;
    post("/v1/chat/completions", chat(TOOLS + ",\"tool_choice\":\"required\""));
    assertThat(sent("generate").getFirst().at("/constraint/tool_calls/required").asBoolean())
        .isTrue();
    post(
        "/v1/chat/completions",
        chat(
            TOOLS
                + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}},"
                + "\"parallel_tool_calls\":false"));
    JsonNode grammar = sent("generate").getLast().at("/constraint/tool_calls");
    assertThat(grammar.get("required").asBoolean()).isTrue();
    assertThat(grammar.get("parallel").asBoolean()).isFalse();
    post("/v1/chat/completions", chat(TOOLS + ",\"tool_choice\":\"none\""));
    assertThat(sent("generate").getLast().has("constraint")).isFalse();
    assertThat(sent("tokenize").getLast().has("tools")).isFalse();
  }

  @Test
  void aStreamedToolCallArrivesAsADeltaOfToolCalls() {
    toolCalls = true;
    List<JsonNode> chunks = stream("/v1/chat/completions", chat(TOOLS + ",\"stream\":true"));
    List<JsonNode> calls =
        chunks.stream()
            .filter(c -> c.at("/choices/0/delta/tool_calls").isArray())
            .map(c -> c.at("/choices/0/delta/tool_calls/0"))
            .toList();
    assertThat(calls).hasSize(1);
    assertThat(calls.getFirst().get("index").asInt()).isZero();
    assertThat(calls.getFirst().at("/function/name").asString()).isEqualTo("get_weather");
    assertThat(chunks)
        .noneMatch(c -> c.at("/choices/0/delta/content").asString("").contains("tool_call"));
    assertThat(chunks.getLast().at("/choices/0/finish_reason").asString()).isEqualTo("tool_calls");
  }

  @Test
  void aConversationThatFillsTheContextExactlyKeepsItsWholeHistory() {
    history = fiveTokenHistory();
    // rules 0 + 4 × 5 + new 5 + the generation prompt 4 = 29; 29 + 35 = the context of 64
    JsonNode answer = post("/v1/chat/completions", sessionTurn(64 - 29));
    assertThat(answer.get("session_id").asString()).isEqualTo("s1");
    List<JsonNode> tokenized = sent("tokenize");
    assertThat(tokenized).hasSize(2); // the prompt, then the turn with its answer for the counts
    assertThat(tokenized.getFirst().get("messages").findValuesAsString("content"))
        .containsExactly(
            "rules", "5t old question", "5t old answer", "5t recent", "5t recent answer", "5t new");
  }

  @Test
  void aConversationOverTheContextByOneTokenLosesItsOldestRound() {
    history = fiveTokenHistory();
    post("/v1/chat/completions", sessionTurn(64 - 29 + 1));
    List<JsonNode> tokenized = sent("tokenize");
    assertThat(tokenized).hasSize(3); // over by 1; fitted; the counts of the turn
    assertThat(tokenized.get(1).get("messages").findValuesAsString("content"))
        .containsExactly("rules", "5t recent", "5t recent answer", "5t new");
  }

  @Test
  void overByTheOldestRoundExactlyLosesOnlyIt() {
    history = fiveTokenHistory();
    post("/v1/chat/completions", sessionTurn(64 - 29 + 10));
    assertThat(sent("tokenize").get(1).get("messages").findValuesAsString("content"))
        .containsExactly("rules", "5t recent", "5t recent answer", "5t new");
    SENT.clear();
    post("/v1/chat/completions", sessionTurn(64 - 29 + 11));
    assertThat(sent("tokenize").get(1).get("messages").findValuesAsString("content"))
        .containsExactly("rules", "5t new");
  }

  @Test
  void aTurnIsStoredWithTheRealCountsOfItsMessagesAndAnswer() {
    history = fiveTokenHistory();
    post("/v1/chat/completions", sessionTurn(16));
    JsonNode counting = sent("tokenize").getLast().get("messages");
    assertThat(counting.findValuesAsString("content")).endsWith("5t new", TEXTS.get(0));
    JsonNode append = sent("append").getFirst().get("messages");
    assertThat(append.findValuesAsString("content")).containsExactly("5t new", TEXTS.get(0));
    // the fake counts "5t …" 5 tokens and any other message 10
    assertThat(append.findValues("token_count").stream().map(JsonNode::asInt))
        .containsExactly(5, 10);
  }

  private static List<Map<String, Object>> fiveTokenHistory() {
    // stored counts are not what decides: the render's are
    return List.of(
        message("user", "5t old question", 1),
        message("assistant", "5t old answer", 1),
        message("user", "5t recent", 1),
        message("assistant", "5t recent answer", 1));
  }

  private static String sessionTurn(int maxTokens) {
    return """
        {"model":"tiny","session_id":"s1","max_tokens":%d,
         "messages":[{"role":"user","content":"5t new"}]}
        """
        .formatted(maxTokens);
  }

  @Test
  void theSessionsOldestMessagesAreDroppedToFitAndTheTurnIsAppended() {
    // the fake tokenizer counts 10 tokens a message but the first plus 4: 6 messages and 16 for
    // the answer are over the context of 64, so the oldest history after the system prompt goes
    history =
        List.of(
            message("user", "old question", 10),
            message("assistant", "old answer", 10),
            message("user", "recent question", 10),
            message("assistant", "recent answer", 10));
    JsonNode answer =
        post(
            "/v1/chat/completions",
            """
            {"model":"tiny","session_id":"s1","max_tokens":16,
             "messages":[{"role":"user","content":"new question"}]}
            """);
    assertThat(answer.get("session_id").asString()).isEqualTo("s1");
    List<JsonNode> tokenized = sent("tokenize");
    JsonNode fitted = tokenized.get(tokenized.size() - 2).get("messages");
    assertThat(fitted.findValuesAsString("content"))
        .containsExactly("rules", "recent question", "recent answer", "new question");
    JsonNode append = sent("append").getFirst();
    assertThat(append.get("messages").findValuesAsString("content"))
        .containsExactly("new question", TEXTS.get(0));
    assertThat(append.get("expected_seq").asLong()).isEqualTo(4);
  }

  @Test
  void aResponseFormatReachesTheEngineAsItsConstraint() {
    post(
        "/v1/chat/completions",
        chat(
            "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"p\","
                + "\"strict\":true,\"schema\":{\"type\":\"object\",\"required\":[\"a\"],"
                + "\"properties\":{\"a\":{\"type\":\"integer\"}}}}}"));
    JsonNode constraint = sent("generate").getFirst().get("constraint");
    assertThat(constraint.get("type").asString()).isEqualTo("json_schema");
    assertThat(JSON.readTree(constraint.get("schema").asString()))
        .isEqualTo(
            JSON.readTree(
                "{\"type\":\"object\",\"required\":[\"a\"],"
                    + "\"properties\":{\"a\":{\"type\":\"integer\"}}}"));
    SENT.clear();
    post(
        "/v1/completions",
        "{\"model\":\"tiny\",\"prompt\":\"x\",\"guided_choice\":[\"yes\",\"no\"]}");
    assertThat(sent("generate").getFirst().get("constraint").get("choices").valueStream())
        .extracting(JsonNode::asString)
        .containsExactly("yes", "no");
    SENT.clear();
    post("/v1/chat/completions", chat("\"response_format\":{\"type\":\"text\"}"));
    assertThat(sent("generate").getFirst().has("constraint")).isFalse();
  }

  @Test
  void ignoreEosReachesTheEngineAndIsRefusedWithAFormat() {
    post("/v1/chat/completions", chat("\"ignore_eos\":true,\"max_tokens\":8"));
    assertThat(sent("generate").getFirst().get("ignore_eos").asBoolean()).isTrue();
    SENT.clear();
    post("/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"x\",\"ignore_eos\":true}");
    assertThat(sent("generate").getFirst().get("ignore_eos").asBoolean()).isTrue();
    SENT.clear();
    post("/v1/chat/completions", chat("\"ignore_eos\":false"));
    assertThat(sent("generate").getFirst().has("ignore_eos")).isFalse();

    http.post()
        .uri("/v1/chat/completions")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(chat("\"ignore_eos\":true,\"response_format\":{\"type\":\"json_object\"}"))
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.param")
        .isEqualTo("ignore_eos");
  }

  @Test
  void aSchemaTheEngineRefusesIs400NamingTheClientsField() {
    http.post()
        .uri("/v1/chat/completions")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            chat(
                "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"p\","
                    + "\"schema\":{\"not\":{\"type\":\"string\"}}}}"))
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.param")
        .isEqualTo("response_format.json_schema.schema")
        .jsonPath("$.error.message")
        .isEqualTo("the keyword not is not supported here");
  }

  @Test
  void completionsAnswerEachPromptWithItsOwnChoices() {
    JsonNode answer =
        post(
            "/v1/completions",
            """
            {"model":"tiny","prompt":["one","two"],"n":2,"best_of":2,"max_tokens":8}
            """);
    assertThat(sent("generate")).hasSize(2);
    assertThat(answer.get("choices")).hasSize(4);
    for (int i = 0; i < 4; i++) {
      assertThat(answer.get("choices").get(i).get("index").asInt()).isEqualTo(i);
      assertThat(answer.get("choices").get(i).get("text").asString()).isEqualTo(TEXTS.get(i % 2));
    }
    assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(8); // 4 tokens, two prompts
    assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(2 * answerTokens(0, 1));
  }

  @Test
  void tokenIdPromptsGoToTheModelAsTheyAreAndEchoIsTheirText() {
    List<Integer> ids = TestTokenizers.encode(TestTokenizers.tinyLlamaGqa(), "Once upon");
    JsonNode answer =
        post(
            "/v1/completions",
            "{\"model\":\"tiny\",\"prompt\":" + ids + ",\"echo\":true,\"max_tokens\":8}");
    assertThat(sent("tokenize")).isEmpty();
    assertThat(sent("generate").getFirst().get("input_ids").valueStream().map(JsonNode::asInt))
        .containsExactlyElementsOf(ids);
    assertThat(answer.at("/choices/0/text").asString()).isEqualTo("Once upon" + TEXTS.get(0));
    assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(ids.size());
  }

  @Test
  void streamedCompletionsCarryEachChoicesIndexAndTheUsageOfAllPrompts() {
    List<JsonNode> chunks =
        stream(
            "/v1/completions",
            """
            {"model":"tiny","prompt":["one","two"],"stream":true,"max_tokens":8,
             "stream_options":{"include_usage":true}}
            """);
    for (int i = 0; i < 2; i++) {
      int index = i;
      var text = new StringBuilder();
      chunks.stream()
          .filter(c -> !c.get("choices").isEmpty())
          .filter(c -> c.at("/choices/0/index").asInt() == index)
          .forEach(c -> text.append(c.at("/choices/0/text").asString()));
      assertThat(text).hasToString(TEXTS.get(0));
    }
    assertThat(chunks.getLast().at("/usage/prompt_tokens").asInt()).isEqualTo(8);
    assertThat(chunks.getLast().at("/usage/completion_tokens").asInt())
        .isEqualTo(2 * answerTokens(0));
  }

  @Test
  void aPromptOverTheContextIsRefusedBeforeAnythingIsGenerated() {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < CONTEXT; i++) {
      ids.add(100);
    }
    http.post()
        .uri("/v1/completions")
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"model\":\"tiny\",\"prompt\":" + ids + "}")
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("context_length_exceeded")
        .jsonPath("$.error.param")
        .isEqualTo("prompt");
    assertThat(sent("generate")).isEmpty();
  }

  // --- the fake services

  /**
   * Each message but the first 10 tokens, or n where its content starts with {@code <n>t }, with
   * their counts as {@code message_tokens} (the first one counts 0, as where a template folds the
   * system prompt into the next turn), and 4 for the generation prompt; a plain text prompt: 4.
   */
  private static Publisher<Void> tokenize(HttpServerRequest req, HttpServerResponse res) {
    return req.receive()
        .aggregate()
        .asString()
        .flatMap(
            body -> {
              JsonNode request = JSON.readTree(body);
              SENT.computeIfAbsent("tokenize", k -> new ConcurrentLinkedQueue<>()).add(request);
              var counts = new ArrayList<Integer>();
              for (JsonNode message : request.path("messages").values()) {
                counts.add(counts.isEmpty() ? 0 : tokensOf(message.path("content").asString("")));
              }
              int count = counts.stream().mapToInt(Integer::intValue).sum();
              var ids = new ArrayList<Integer>();
              for (int i = 0; i < count + 4; i++) {
                ids.add(100 + i % 50);
              }
              String perMessage = request.has("messages") ? ",\"message_tokens\":" + counts : "";
              return json(res, "{\"ids\":" + ids + ",\"count\":" + ids.size() + perMessage + "}")
                  .then();
            });
  }

  private static int tokensOf(String content) {
    var stated = java.util.regex.Pattern.compile("(\\d+)t ").matcher(content);
    return stated.lookingAt() ? Integer.parseInt(stated.group(1)) : 10;
  }

  /**
   * Choice i is {@link #TEXTS}[i % 3], the choices' tokens interleaved, each ending with length.
   */
  private static Publisher<Void> generate(HttpServerRequest req, HttpServerResponse res) {
    return req.receive()
        .aggregate()
        .asString()
        .flatMap(
            body -> {
              JsonNode request = JSON.readTree(body);
              SENT.computeIfAbsent("generate", k -> new ConcurrentLinkedQueue<>()).add(request);
              if (request.at("/constraint/schema").asString("").contains("\"not\"")) {
                return res.status(400)
                    .header("Content-Type", "application/json")
                    .sendString(
                        Mono.just(
                            "{\"error\":{\"code\":\"invalid_request\",\"message\":"
                                + "\"the keyword not is not supported here\","
                                + "\"param\":\"constraint.schema\"}}"))
                    .then();
              }
              int n = request.has("n") ? request.get("n").asInt() : 1;
              int prompt = request.get("input_ids").size();
              var events = new StringBuilder();
              List<List<Integer>> answers = new ArrayList<>();
              for (int i = 0; i < n; i++) {
                answers.add(answer(i));
              }
              int longest = answers.stream().mapToInt(List::size).max().orElse(0);
              for (int step = 0; step < longest; step++) {
                for (int i = 0; i < n; i++) {
                  if (step < answers.get(i).size()) {
                    events
                        .append("event:token\ndata:{\"token_id\":")
                        .append(answers.get(i).get(step));
                    events.append(n > 1 ? ",\"index\":" + i : "").append("}\n\n");
                  }
                }
              }
              for (int i = 0; i < n && !endless; i++) {
                events
                    .append("event:finish\ndata:{\"finish_reason\":\"")
                    .append(toolCalls ? "stop" : "length")
                    .append("\",\"usage\":")
                    .append("{\"prompt_tokens\":")
                    .append(prompt)
                    .append(",\"completion_tokens\":")
                    .append(answers.get(i).size())
                    .append("}")
                    .append(n > 1 ? ",\"index\":" + i : "")
                    .append("}\n\n");
              }
              var stream =
                  endless
                      ? Flux.just(events.toString())
                          .concatWith(Flux.never())
                          .doOnCancel(() -> cancelled.countDown())
                      : Flux.just(events.toString());
              return res.header("Content-Type", "text/event-stream").sendString(stream).then();
            });
  }

  private static Mono<Void> record(String what, HttpServerRequest req) {
    return req.receive()
        .aggregate()
        .asString()
        .doOnNext(
            body ->
                SENT.computeIfAbsent(what, k -> new ConcurrentLinkedQueue<>())
                    .add(JSON.readTree(body)))
        .then();
  }

  private static List<Map<String, Object>> messages() {
    var out = new ArrayList<Map<String, Object>>();
    for (int i = 0; i < history.size(); i++) {
      var m = new java.util.LinkedHashMap<>(history.get(i));
      m.put("seq", i + 1);
      m.put("timestamp", "2026-12-03T00:00:00Z");
      out.add(m);
    }
    return out;
  }

  private static Map<String, Object> message(String role, String content, int tokens) {
    return Map.of("role", role, "content", content, "token_count", tokens);
  }

  private static final String CALL =
      "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";

  private static List<Integer> answer(int choice) {
    if (toolCalls) {
      return TestTokenizers.encode(TestTokenizers.tinyLlamaGqa(), CALL);
    }
    return TestTokenizers.encode(TestTokenizers.tinyLlamaGqa(), TEXTS.get(choice % TEXTS.size()));
  }

  private static int answerTokens(int... choices) {
    int sum = 0;
    for (int c : choices) {
      sum += answer(c).size();
    }
    return sum;
  }

  // --- the client

  private static String chat(String fields) {
    return "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + fields
        + "}";
  }

  private JsonNode post(String path, String body) {
    return JSON.readTree(ok(path, body));
  }

  /** The chunks of a stream, without {@code [DONE]}. */
  private List<JsonNode> stream(String path, String body) {
    var chunks = new ArrayList<JsonNode>();
    for (String line : new String(ok(path, body), StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("data:") && !line.contains("[DONE]")) {
        chunks.add(JSON.readTree(line.substring(5)));
      }
    }
    return chunks;
  }

  private byte[] ok(String path, String body) {
    return http.post()
        .uri(path)
        .header(HttpHeaders.AUTHORIZATION, GatewayTestKeys.ALPHA)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .returnResult()
        .getResponseBody();
  }

  private static List<JsonNode> sent(String what) {
    return List.copyOf(SENT.getOrDefault(what, new ConcurrentLinkedQueue<>()));
  }

  private static DisposableServer service(Consumer<HttpServerRoutes> routes) {
    return HttpServer.create().host("127.0.0.1").port(0).route(routes).bindNow();
  }

  private static NettyOutbound json(HttpServerResponse res, String body) {
    return res.header("Content-Type", "application/json").sendString(Mono.just(body));
  }

  private static String url(DisposableServer server) {
    return "http://127.0.0.1:" + server.port();
  }
}
