package org.llmplatform.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.llmplatform.session.SessionCalls.user;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.Message;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.RecordedAppend;
import org.llmplatform.api.session.SessionMessages;
import org.llmplatform.api.session.ToolCall;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A session keeps tool calls and their results, against real Redis: an assistant message's {@code
 * tool_calls} and a tool message's {@code tool_call_id} (and any message's {@code name}) are
 * stored, read back and replayed as sent, bad shapes are 400 naming the field by path, the size
 * limit counts them, and a context window keeps a call with its results or leaves both out.
 * Messages without the new fields are answered and stored exactly as before.
 */
@TestPropertySource( // SessionApiTest's, so that both share one Spring context
    properties = {
      "llm.session.max-messages-per-session=5",
      "llm.session.max-message-bytes=100",
      "llm.session.max-sessions-per-owner=3"
    })
class ToolCallsApiTest extends RedisBackedTest {

  private static final String WEATHER_ARGS = "{\"city\":\"Paris\",\"unit\":\"C\"}";

  private SessionCalls calls;

  /** Each test its own owner: the in-memory variant's store outlives the test. */
  protected String owner;

  @BeforeEach
  void setUp() {
    calls = new SessionCalls(http);
    owner = "tools-" + UUID.randomUUID();
  }

  /** [user, assistant calling two tools, tool, tool, assistant]: a whole tool-using turn. */
  static List<NewMessage> toolTurn() {
    return List.of(
        new NewMessage("user", "Weather in Paris and Oslo?", "alice_1", null, null, null),
        NewMessage.toolCalls(
            null,
            List.of(
                ToolCall.of("call_1", "get_weather", WEATHER_ARGS),
                ToolCall.of("call_2", "get_weather", "{\"city\":\"Oslo\"}")),
            12),
        NewMessage.toolResult("call_1", "{\"temp\":21}", 4),
        NewMessage.toolResult("call_2", "{\"temp\":9}", 4),
        new NewMessage("assistant", "Paris 21 °C, Oslo 9 °C.", 9));
  }

  @Test
  void aToolUsingTurnIsReadBackAsItWasSent() {
    String id = calls.create(owner).id();
    calls.append(owner, id, new AppendMessagesRequest(toolTurn(), 0L, "turn-1"));

    SessionMessages read = calls.messages(owner, id, null);
    assertThat(read.messages()).extracting(Message::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(read.messages().stream().map(ToolCallsApiTest::asSent).toList())
        .isEqualTo(toolTurn());

    // The JSON: tool_calls in OpenAI's shape, arguments the string as sent, absent fields absent.
    JsonNode json = messagesJson(id, "");
    JsonNode call = json.at("/messages/1/tool_calls/0");
    assertThat(call.toString())
        .isEqualTo(
            "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":"
                + JsonMapper.shared().writeValueAsString(WEATHER_ARGS)
                + "}}");
    assertThat(json.at("/messages/1/content").isNull()).isTrue();
    assertThat(json.at("/messages/0/name").asString()).isEqualTo("alice_1");
    assertThat(json.at("/messages/2/tool_call_id").asString()).isEqualTo("call_1");
    assertThat(fieldNames(json.at("/messages/4")))
        .containsExactly("seq", "role", "content", "token_count", "timestamp");
  }

  @Test
  void aRecordedAppendReplaysTheCallsAndResults() {
    String id = calls.create(owner).id();
    AppendMessagesRequest request = new AppendMessagesRequest(toolTurn(), 0L, "turn-1");
    calls.append(owner, id, request);

    var retry = calls.append(owner, id, request);
    assertThat(retry.replayed()).isTrue();
    assertThat(retry.seq()).isEqualTo(5);

    RecordedAppend recorded =
        http.get()
            .uri("/v1/sessions/{id}/appends/turn-1?owner={owner}", id, owner)
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(RecordedAppend.class)
            .returnResult()
            .getResponseBody();
    assertThat(recorded.messages().stream().map(ToolCallsApiTest::asSent).toList())
        .isEqualTo(toolTurn());
    assertThat(recorded.messages()).isEqualTo(calls.messages(owner, id, null).messages());
  }

  @Test
  void theSameKeyWithOtherToolCallsIsAnotherRequest() {
    String id = calls.create(owner).id();
    calls.append(owner, id, new AppendMessagesRequest(toolTurn().subList(0, 2), 0L, "k"));
    var otherArguments =
        NewMessage.toolCalls(
            null,
            List.of(
                ToolCall.of("call_1", "get_weather", "{\"city\":\"Lyon\"}"),
                ToolCall.of("call_2", "get_weather", "{\"city\":\"Oslo\"}")),
            12);

    http.post()
        .uri("/v1/sessions/{id}/messages?owner={owner}", id, owner)
        .bodyValue(
            new AppendMessagesRequest(List.of(toolTurn().getFirst(), otherArguments), 0L, "k"))
        .exchange()
        .expectStatus()
        .isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("idempotency_key_reused");
  }

  @Test
  void aWindowKeepsACallWithItsResultsOrLeavesBothOut() {
    String id = calls.create(owner).id();
    calls.append(owner, id, new AppendMessagesRequest(toolTurn(), 0L, null));
    // tokens: user 9 (estimated from 33 bytes), calls 12, results 4 + 4, answer 9

    SessionMessages tight = calls.messages(owner, id, 20); // 4 + 4 + 9 would fit
    assertThat(tight.messages()).extracting(Message::seq).containsExactly(5L);
    assertThat(tight.totalTokens()).isEqualTo(9);
    assertThat(tight.truncated()).isTrue();

    SessionMessages withTheCall = calls.messages(owner, id, 29);
    assertThat(withTheCall.messages()).extracting(Message::seq).containsExactly(2L, 3L, 4L, 5L);
    assertThat(withTheCall.totalTokens()).isEqualTo(29);
    assertThat(withTheCall.messages().getFirst().toolCalls()).hasSize(2);
  }

  @Test
  void theSizeLimitCountsTheToolCalls() {
    String id = calls.create(owner).id();
    String arguments = "{\"q\":\"" + "x".repeat(80) + "\"}"; // content fits; with the call, not
    var big = NewMessage.toolCalls("short", List.of(ToolCall.of("c1", "search", arguments)), null);

    http.post()
        .uri("/v1/sessions/{id}/messages?owner={owner}", id, owner)
        .bodyValue(new AppendMessagesRequest(List.of(user("q"), big), null, null))
        .exchange()
        .expectStatus()
        .isEqualTo(HttpStatus.CONTENT_TOO_LARGE)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("message_too_large")
        .jsonPath("$.error.param")
        .isEqualTo("messages[1]");
    assertThat(calls.messages(owner, id, null).messages()).isEmpty();
  }

  @Test
  void badToolCallShapesAre400NamingTheFieldByPath() {
    String id = calls.create(owner).id();
    String user = "{\"role\":\"user\",\"content\":\"q\"}";
    String call = "{\"id\":\"call_1\",\"type\":\"function\",\"function\":%s}";
    String weather = "{\"name\":\"get_weather\",\"arguments\":\"{}\"}";

    expect400(
        id,
        withCalls(user, call.formatted("{\"name\":\"get weather\",\"arguments\":\"{}\"}")),
        "messages[1].tool_calls[0].function.name");
    expect400(
        id,
        withCalls(
            user, call.formatted("{\"name\":\"" + "f".repeat(65) + "\",\"arguments\":\"{}\"}")),
        "messages[1].tool_calls[0].function.name");
    expect400(
        id,
        withCalls(user, call.formatted("{\"arguments\":\"{}\"}")),
        "messages[1].tool_calls[0].function.name");
    expect400(
        id,
        withCalls(user, call.formatted("{\"name\":\"f\",\"arguments\":{\"a\":1}}")),
        "messages[1].tool_calls[0].function.arguments");
    expect400(
        id,
        withCalls(user, call.formatted("{\"name\":\"f\"}")),
        "messages[1].tool_calls[0].function.arguments");
    expect400(
        id,
        withCalls(user, "{\"id\":\"call_1\",\"type\":\"function\"}"),
        "messages[1].tool_calls[0].function");
    expect400(
        id,
        withCalls(user, "{\"id\":\"call_1\",\"type\":\"retrieval\",\"function\":" + weather + "}"),
        "messages[1].tool_calls[0].type");
    expect400(
        id,
        withCalls(user, "{\"id\":\" \",\"type\":\"function\",\"function\":" + weather + "}"),
        "messages[1].tool_calls[0].id");
    expect400(
        id,
        withCalls(user, call.formatted(weather) + "," + call.formatted(weather)),
        "messages[1].tool_calls[1].id");
    expect400(id, withCalls(user, "null"), "messages[1].tool_calls[0]");
    expect400(
        id,
        "[{\"role\":\"user\",\"content\":\"q\",\"tool_calls\":[" + call.formatted(weather) + "]}]",
        "messages[0].tool_calls");
    expect400(
        id, "[" + user + ",{\"role\":\"assistant\",\"content\":null}]", "messages[1].content");
    expect400(id, "[{\"role\":\"user\",\"content\":null}]", "messages[0].content");
    expect400(id, "[{\"role\":\"user\",\"content\":\"q\",\"name\":\"\"}]", "messages[0].name");

    assertThat(calls.messages(owner, id, null).messages()).isEmpty();
  }

  @Test
  void aToolResultNeedsItsCallIdAndOnlyToolResultsHaveOne() {
    String id = calls.create(owner).id();
    post(id, "{\"messages\":[{\"role\":\"tool\",\"content\":\"21\"}]}")
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("invalid_request")
        .jsonPath("$.error.param")
        .isEqualTo("messages[0].tool_call_id")
        .jsonPath("$.error.message")
        .isEqualTo("messages[0].tool_call_id is required on a tool message (the id of the call)");
    expect400(
        id,
        "[{\"role\":\"tool\",\"content\":\"21\",\"tool_call_id\":\"\"}]",
        "messages[0].tool_call_id");
    expect400(
        id,
        "[{\"role\":\"user\",\"content\":\"q\",\"tool_call_id\":\"call_1\"}]",
        "messages[0].tool_call_id");
    assertThat(calls.messages(owner, id, null).messages()).isEmpty();
  }

  @Test
  void aBadFunctionNameIsNamedByItsPathInTheMessageToo() {
    String id = calls.create(owner).id();
    post(id, "{\"messages\":[" + toolCallsMessage("{\"name\":\"a.b\",\"arguments\":\"{}\"}") + "]}")
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.param")
        .isEqualTo("messages[0].tool_calls[0].function.name")
        .jsonPath("$.error.message")
        .isEqualTo(
            "messages[0].tool_calls[0].function.name must be 1 to 64 letters, digits,"
                + " underscores or hyphens");
  }

  @Test
  void messagesWithoutTheNewFieldsAreAnsweredAsBefore() {
    String id = calls.create(owner).id();
    post(
            id,
            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"content\":\"\",\"token_count\":2}]}")
        .expectStatus()
        .isOk();

    JsonNode json = messagesJson(id, "");
    for (JsonNode message : json.get("messages")) {
      assertThat(fieldNames(message))
          .containsExactly("seq", "role", "content", "token_count", "timestamp");
    }
    assertThat(json.at("/messages/0/content").asString()).isEqualTo("hi");
    assertThat(json.at("/messages/1/content").asString()).isEmpty();
    assertThat(json.at("/messages/0/token_count").isNull()).isTrue();
  }

  @Test
  void aMessageWithoutTheNewFieldsIsStoredInRedisAsBefore() {
    String id = calls.create(owner).id();
    calls.append(owner, id, user("hi"), toolTurn().get(2));

    List<String> stored =
        redis
            .opsForList()
            .range(properties.keyPrefix() + "{" + owner + "}:s:" + id + ":msgs", 0, -1)
            .collectList()
            .block();
    assertThat(stored.getFirst())
        .matches("\\{\"role\":\"user\",\"content\":\"hi\",\"token_count\":null,\"ts\":\\d+}");
    assertThat(stored.get(1))
        .matches(
            "\\{\"role\":\"tool\",\"content\":\"\\{\\\\\"temp\\\\\":21}\",\"tool_call_id\":\"call_1\",\"token_count\":4,\"ts\":\\d+}");
  }

  /** The message as it was appended: what a replay must give back. */
  private static NewMessage asSent(Message m) {
    return new NewMessage(
        m.role(), m.content(), m.name(), m.toolCalls(), m.toolCallId(), m.tokenCount());
  }

  private static String withCalls(String first, String calls) {
    return "["
        + first
        + ",{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
        + calls
        + "]}]";
  }

  private static String toolCallsMessage(String function) {
    return "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c\","
        + "\"type\":\"function\",\"function\":"
        + function
        + "}]}";
  }

  private void expect400(String id, String messages, String param) {
    post(id, "{\"messages\":" + messages + "}")
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("invalid_request")
        .jsonPath("$.error.param")
        .isEqualTo(param)
        .jsonPath("$.error.message")
        .value(String.class, message -> assertThat(message).startsWith(param));
  }

  private WebTestClient.ResponseSpec post(String id, String body) {
    return http.post()
        .uri("/v1/sessions/{id}/messages?owner={owner}", id, owner)
        .header("Content-Type", "application/json")
        .bodyValue(body)
        .exchange();
  }

  private JsonNode messagesJson(String id, String query) {
    byte[] body =
        http.get()
            .uri("/v1/sessions/{id}/messages?owner={owner}" + query, id, owner)
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody()
            .returnResult()
            .getResponseBody();
    return JsonMapper.shared().readTree(body);
  }

  private static List<String> fieldNames(JsonNode node) {
    return List.copyOf(node.propertyNames());
  }
}
