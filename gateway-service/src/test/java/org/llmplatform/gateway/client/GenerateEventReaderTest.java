package org.llmplatform.gateway.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.client.InferenceClient.GenerateEvent;
import org.llmplatform.gateway.error.ApiException;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import tools.jackson.databind.json.JsonMapper;

class GenerateEventReaderTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static final String STREAM =
      "event:token\ndata:{\"token_id\":5}\n\n"
          + "event: token\ndata: {\"token_id\":6,\"logprob\":-0.5,\"index\":1}\n\n"
          + ": a comment\nid: 3\nevent:token\ndata:{\"token_id\":\n"
          + "data:7}\n\n" // data on two lines: joined by \n, still JSON
          + "event:finish\ndata:{\"finish_reason\":\"length\","
          + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":3,\"total_tokens\":6}}\n\n";

  private static final List<String> EXPECTED =
      List.of("0:token 5", "1:token 6 -0.5", "0:token 7", "0:finish length 3");

  @Test
  void readsTheSameEventsHoweverTheBytesAreSplit() {
    byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
    for (int cut = 0; cut <= bytes.length; cut++) {
      var reader = new GenerateEventReader(JSON, 1024);
      var events = new ArrayList<String>();
      events.addAll(describe(reader.read(buffer(bytes, 0, cut))));
      events.addAll(describe(reader.read(buffer(bytes, cut, bytes.length))));
      assertThat(events).as("cut at %d", cut).isEqualTo(EXPECTED);
    }
    Random random = new Random(1);
    for (int run = 0; run < 200; run++) {
      var reader = new GenerateEventReader(JSON, 1024);
      var events = new ArrayList<String>();
      for (int from = 0; from < bytes.length; ) {
        int to = Math.min(bytes.length, from + random.nextInt(12));
        events.addAll(describe(reader.read(buffer(bytes, from, to))));
        from = to;
      }
      assertThat(events).as("run %d", run).isEqualTo(EXPECTED);
    }
  }

  @Test
  void eventsCompletedByOneReadComeAsOneBatch() {
    var reader = new GenerateEventReader(JSON, 1024);
    byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
    assertThat(reader.read(buffer(bytes, 0, bytes.length))).hasSize(4);
    assertThat(reader.read(buffer(new byte[0], 0, 0))).isEmpty();
  }

  @Test
  void crlfAndCrLineEndsAsSseAllows() {
    for (String end : List.of("\r\n", "\r")) {
      String stream = STREAM.replace("\n", end);
      byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
      for (int cut = 0; cut <= bytes.length; cut++) {
        var reader = new GenerateEventReader(JSON, 1024);
        var events = new ArrayList<String>();
        events.addAll(describe(reader.read(buffer(bytes, 0, cut))));
        events.addAll(describe(reader.read(buffer(bytes, cut, bytes.length))));
        assertThat(events).as("%s cut at %d", end.length(), cut).isEqualTo(EXPECTED);
      }
    }
  }

  @Test
  void unnamedEventsOfAnOlderInferenceServiceAreToldApartByTheirFields() {
    var reader = new GenerateEventReader(JSON, 1024);
    byte[] bytes =
        "data:{\"token_id\":9}\n\ndata:{\"finish_reason\":\"stop\"}\n\n"
            .getBytes(StandardCharsets.UTF_8);
    assertThat(describe(reader.read(buffer(bytes, 0, bytes.length))))
        .containsExactly("0:token 9", "0:finish stop 0");
  }

  @Test
  void anUnknownEventNameOrAnOversizedEventFailsTheStream() {
    byte[] unknown = "event:surprise\ndata:{}\n\n".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(
            () -> new GenerateEventReader(JSON, 1024).read(buffer(unknown, 0, unknown.length)))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("surprise");
    var reader = new GenerateEventReader(JSON, 64);
    byte[] big = ("event:token\ndata:" + "x".repeat(100)).getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> reader.read(buffer(big, 0, big.length)))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("over 64 bytes");
  }

  private static DataBuffer buffer(byte[] bytes, int from, int to) {
    byte[] part = Arrays.copyOfRange(bytes, from, to);
    return DefaultDataBufferFactory.sharedInstance.wrap(part);
  }

  private static List<String> describe(List<GenerateEvent> events) {
    return events.stream()
        .map(
            e ->
                e.choice()
                    + ":"
                    + (e.tokenId() != null
                        ? "token " + e.tokenId() + (e.logprob() != null ? " " + e.logprob() : "")
                        : "finish "
                            + e.finishReason()
                            + " "
                            + (e.usage() == null ? 0 : e.usage().completionTokens())))
        .toList();
  }
}
