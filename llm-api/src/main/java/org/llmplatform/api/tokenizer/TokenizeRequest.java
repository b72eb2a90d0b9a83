package org.llmplatform.api.tokenizer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.llmplatform.api.error.InvalidFieldException;

/**
 * {@code POST /v1/internal/tokenize}: exactly one of {@code text} or {@code messages}.
 *
 * @param model tokenizer name; null for the default model
 * @param text plain text to encode
 * @param messages a conversation, rendered with the model's chat template and then encoded
 * @param addGenerationPrompt end the rendered prompt with the assistant's turn header (default
 *     true)
 * @param addSpecialTokens let the tokenizer add its special tokens (BOS…); default true for text
 *     and false for messages, whose template writes them, as in transformers' apply_chat_template
 * @param tools tool definitions (JSON schema objects) passed to the template as {@code tools}
 * @param documents documents passed to the template as {@code documents} (RAG templates)
 * @param chatTemplate name of one of the model's named templates (e.g. {@code tool_use})
 * @param chatTemplateKwargs extra template variables, e.g. {@code {"enable_thinking": false}}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenizeRequest(
    String model,
    String text,
    List<ChatMessage> messages,
    @JsonProperty("add_generation_prompt") Boolean addGenerationPrompt,
    @JsonProperty("add_special_tokens") Boolean addSpecialTokens,
    List<Map<String, Object>> tools,
    List<Map<String, Object>> documents,
    @JsonProperty("chat_template") String chatTemplate,
    @JsonProperty("chat_template_kwargs") Map<String, Object> chatTemplateKwargs) {

  public TokenizeRequest {
    if ((text == null) == (messages == null)) {
      throw new InvalidFieldException(
          text == null ? "text" : "messages", "give exactly one of text or messages");
    }
    if (messages != null) {
      if (messages.isEmpty()) {
        throw new InvalidFieldException("messages", "messages must not be empty");
      }
      if (messages.stream().anyMatch(Objects::isNull)) {
        throw new InvalidFieldException("messages", "messages must not contain null");
      }
      messages = List.copyOf(messages);
    }
    tools = tools == null ? null : List.copyOf(tools);
    documents = documents == null ? null : List.copyOf(documents);
    chatTemplateKwargs = chatTemplateKwargs == null ? null : Map.copyOf(chatTemplateKwargs);
  }

  public static TokenizeRequest ofText(String model, String text) {
    return new TokenizeRequest(model, text, null, null, null, null, null, null, null);
  }

  public static TokenizeRequest ofMessages(String model, List<ChatMessage> messages) {
    return new TokenizeRequest(model, null, messages, null, null, null, null, null, null);
  }

  /** Whether the prompt ends with the assistant's turn header; true unless asked otherwise. */
  public boolean generationPrompt() {
    return addGenerationPrompt == null || addGenerationPrompt;
  }

  /** Whether the tokenizer adds its special tokens: as asked, else true for text only. */
  public boolean specialTokens() {
    return addSpecialTokens != null ? addSpecialTokens : text != null;
  }
}
