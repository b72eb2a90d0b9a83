package org.llmplatform.api.tokenizer;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * Answer of {@code GET /v1/internal/tokenizer?model=…}.
 *
 * @param model the tokenizer's name
 * @param vocabSize number of ids (base vocabulary and added tokens); valid ids are {@code [0,
 *     vocab_size)}
 * @param specialTokens the named special tokens of tokenizer_config.json ({@code bos_token}, {@code
 *     eos_token}, {@code pad_token}, {@code unk_token}…) with their ids
 * @param addedSpecialTokens every token the tokenizer marks special, with its id
 * @param eosTokenIds ids that end generation: the eos token and {@code generation_config.json}'s
 *     {@code eos_token_id}s
 * @param addBosToken tokenizer_config.json's {@code add_bos_token} (null when absent)
 * @param addEosToken tokenizer_config.json's {@code add_eos_token} (null when absent)
 * @param cleanUpTokenizationSpaces whether decode removes spaces before punctuation (then a
 *     streaming client uses {@link StreamingDetokenizer#withSpaceCleanup})
 * @param hasChatTemplate whether the model ships a chat template
 * @param chatTemplateSource {@code model} or {@code default} (the service's documented default
 *     template, used for models without one)
 * @param chatTemplateNames names of the model's named templates ({@code default}, {@code
 *     tool_use}…); empty for a single template
 * @param maxLength tokenizer_config.json's {@code model_max_length} (null when absent or unbounded)
 * @param toolCallFormat how the model writes tool calls, as its chat template shows it ({@code
 *     hermes}, {@code mistral}, {@code llama3-json}), or null when the template shows none
 */
public record TokenizerInfo(
    String model,
    @JsonProperty("vocab_size") int vocabSize,
    @JsonProperty("special_tokens") Map<String, SpecialToken> specialTokens,
    @JsonProperty("added_special_tokens") List<SpecialToken> addedSpecialTokens,
    @JsonProperty("eos_token_ids") List<Integer> eosTokenIds,
    @JsonProperty("add_bos_token") Boolean addBosToken,
    @JsonProperty("add_eos_token") Boolean addEosToken,
    @JsonProperty("clean_up_tokenization_spaces") boolean cleanUpTokenizationSpaces,
    @JsonProperty("has_chat_template") boolean hasChatTemplate,
    @JsonProperty("chat_template_source") String chatTemplateSource,
    @JsonProperty("chat_template_names") List<String> chatTemplateNames,
    @JsonProperty("max_length") Long maxLength,
    @JsonProperty("tool_call_format") String toolCallFormat) {

  public TokenizerInfo {
    specialTokens = Map.copyOf(specialTokens);
    addedSpecialTokens = List.copyOf(addedSpecialTokens);
    eosTokenIds = List.copyOf(eosTokenIds);
    chatTemplateNames = List.copyOf(chatTemplateNames);
  }

  /**
   * @param content the token's text
   * @param id its id
   */
  public record SpecialToken(String content, int id) {
    public SpecialToken {
      if (content == null) {
        throw new IllegalArgumentException("content is required");
      }
    }
  }
}
