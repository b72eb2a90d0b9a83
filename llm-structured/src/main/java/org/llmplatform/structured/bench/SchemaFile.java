package org.llmplatform.structured.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** One MaskBench file: the schema and its test instances, serialized as the protocol says. */
record SchemaFile(String name, JsonNode schema, List<Instance> tests) {
  private static final JsonMapper MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  /** A test instance: its text as the benchmark serializes it and whether it is valid. */
  record Instance(String text, boolean valid) {}

  static SchemaFile read(Path file) {
    JsonNode schema = null;
    List<Instance> tests = new ArrayList<>();
    try (JsonParser p = MAPPER.createParser(file.toFile())) {
      expect(p.nextToken(), JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "schema" -> schema = MAPPER.readTree(p);
          case "tests" -> {
            expect(p.currentToken(), JsonToken.START_ARRAY);
            while (p.nextToken() == JsonToken.START_OBJECT) {
              tests.add(readTest(p));
            }
          }
          default -> p.skipChildren();
        }
      }
    }
    return new SchemaFile(file.getFileName().toString(), schema, tests);
  }

  private static Instance readTest(JsonParser p) {
    String text = null;
    boolean valid = false;
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "data" -> text = PythonJson.dumps(p);
        case "valid" -> valid = p.getBooleanValue();
        default -> p.skipChildren();
      }
    }
    return new Instance(text, valid);
  }

  private static void expect(JsonToken actual, JsonToken expected) {
    if (actual != expected) {
      throw new IllegalArgumentException("expected " + expected + ", found " + actual);
    }
  }
}
