package org.llmplatform.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.llmplatform.gateway.model.TestTokenizers;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * What the gateway reads of tokenizer-service for a model named {@code tiny}, for tests that play
 * the downstream services with HTTP servers: its tokenizer.json (tiny-llama-gqa's, so real ids
 * decode to text) and its info; and inference-service's shape of that model.
 */
final class FakeTokenizer {

  private FakeTokenizer() {}

  /** Adds {@code GET /v1/internal/tokenizer.json} and {@code /v1/internal/tokenizer}. */
  static HttpServerRoutes routes(HttpServerRoutes routes, String toolCallFormat) {
    String info =
        """
        {"model":"tiny","vocab_size":384,"special_tokens":{},
         "added_special_tokens":[],"eos_token_ids":[3],
         "clean_up_tokenization_spaces":false,"has_chat_template":true,
         "chat_template_source":"model","chat_template_names":[]%s}
        """
            .formatted(
                toolCallFormat == null ? "" : ",\"tool_call_format\":\"" + toolCallFormat + "\"");
    return routes
        .get(
            "/v1/internal/tokenizer.json",
            (req, res) ->
                res.header("Content-Type", "application/json")
                    .sendByteArray(Mono.fromCallable(FakeTokenizer::vocab)))
        .get(
            "/v1/internal/tokenizer",
            (req, res) ->
                res.header("Content-Type", "application/json").sendString(Mono.just(info)));
  }

  /** inference-service's {@code GET /v1/internal/model} answer for {@code tiny}. */
  static String modelInfo(int contextLength) {
    return """
        {"name":"tiny","vocab_size":384,"context_length":%d,
         "layers":2,"kv_heads":2,"head_dim":16,"dtype":"float32",
         "eos_ids":[3],"device":"cpu"}
        """
        .formatted(contextLength);
  }

  private static byte[] vocab() {
    try {
      return Files.readAllBytes(TestTokenizers.tinyLlamaGqa().resolve("tokenizer.json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
