package org.llmplatform.gateway.model;

import org.llmplatform.api.inference.ModelInfo;
import org.llmplatform.gateway.routing.ReplicaSet;

/**
 * A model the gateway serves, with what it learned from its inference-service.
 *
 * @param name the public name ({@code model} in requests)
 * @param tokenizerModel the tokenizer-service model that tokenizes for it
 * @param inference its inference-service replicas
 * @param info its shape (context length, eos ids)
 * @param decoder its tokenizer's decode, in-process
 * @param toolCallFormat how it writes tool calls ({@code hermes}, {@code llama3-json}, {@code
 *     mistral}), or null when it does not call tools
 */
public record ServedModel(
    String name,
    String tokenizerModel,
    ReplicaSet inference,
    ModelInfo info,
    TokenDecoder decoder,
    String toolCallFormat) {

  public int contextLength() {
    return info.contextLength();
  }
}
