package org.llmplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Structured outputs through the whole platform on MaskBench schemas (../shared/structured-outputs,
 * development set): stories260K, a base model that never saw JSON, answers 50 of them, spread
 * evenly over the set, with {@code response_format: json_schema}. Every answer that finishes with
 * {@code stop} must parse and validate against its schema (networknt's validator, independent of
 * our engine); a schema the engine cannot enforce is a 400 naming the field; nothing is a 5xx.
 */
class StructuredOutputsIT {

  private static final int SCHEMAS = 50;

  static Platform platform;
  static Path maskbench;

  @BeforeAll
  static void start() throws Exception {
    platform = Platform.get();
    assumeTrue(platform.hasStories(), "stories260K is not in ../shared/models");
    maskbench = platform.sharedModels.getParent().resolve("structured-outputs/maskbench");
    assumeTrue(Files.isDirectory(maskbench), maskbench + " is absent");
  }

  @Test
  void everyAnswerThatStopsValidatesAgainstItsSchema() throws Exception {
    List<Path> files;
    try (Stream<Path> all = Files.list(maskbench)) {
      files = all.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    }
    int step = files.size() / SCHEMAS;
    var refused = new ArrayList<String>();
    var stopped = new ArrayList<String>();
    var cut = new ArrayList<String>();
    for (int i = 0; i < SCHEMAS; i++) {
      Path file = files.get(i * step);
      JsonNode schema = Http.JSON.readTree(Files.readString(file)).get("schema");
      ObjectNode body = Http.JSON.createObjectNode();
      body.put("model", Platform.STORIES);
      body.put("max_tokens", 400);
      body.put("temperature", 0);
      body.putArray("messages").addObject().put("role", "user").put("content", "Answer in JSON.");
      ObjectNode format = body.putObject("response_format");
      format.put("type", "json_schema");
      format.putObject("json_schema").put("name", "maskbench").set("schema", schema);
      Http.Answer answer =
          Http.post(
              platform.gatewayUrl() + "/v1/chat/completions",
              platform.alphaKey,
              Http.JSON.writeValueAsString(body));
      String name = file.getFileName().toString();
      assertThat(answer.status()).as("%s: %s", name, answer.raw().body()).isIn(200, 400);
      if (answer.status() == 400) {
        assertThat(answer.json().at("/error/param").asString())
            .as(name)
            .isEqualTo("response_format.json_schema.schema");
        refused.add(name);
        continue;
      }
      JsonNode choice = answer.json().at("/choices/0");
      String text = choice.at("/message/content").asString();
      if (!"stop".equals(choice.get("finish_reason").asString())) {
        cut.add(name);
        continue;
      }
      Schema validator =
          SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(schema);
      assertThat(validator.validate(Http.JSON.readTree(text))).as("%s: %s", name, text).isEmpty();
      stopped.add(name);
    }
    System.out.printf(
        "StructuredOutputsIT: %d schemas: %d answered with stop and valid, %d cut by max_tokens,"
            + " %d refused at compile time %s%n",
        SCHEMAS, stopped.size(), cut.size(), refused.size(), refused);
    assertThat(stopped).as("answers that finished").isNotEmpty();
  }
}
