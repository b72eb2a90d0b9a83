package org.llmplatform.tokenizer.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.llmplatform.api.error.InvalidFieldException;

/**
 * A model's chat templates: one (named {@code default}) or several named ones, as {@code
 * chat_template} in tokenizer_config.json is a string or a list of {@code {name, template}}; or the
 * service's {@link DefaultChatTemplate} for a model that ships none.
 *
 * @param templates template source by name
 * @param fromModel whether the model ships them
 * @param named whether tokenizer_config.json gave a list of named templates
 */
record ChatTemplates(Map<String, String> templates, boolean fromModel, boolean named) {

  ChatTemplates {
    templates = new LinkedHashMap<>(templates);
  }

  static ChatTemplates single(String template) {
    return new ChatTemplates(Map.of("default", template), true, false);
  }

  static ChatTemplates ofDefault() {
    return new ChatTemplates(Map.of("default", DefaultChatTemplate.SOURCE), false, false);
  }

  private static final Pattern LOOP_OVER_CONTENT =
      Pattern.compile("for\\s+\\w+\\s+in\\s+\\w+(\\.content|\\[\\s*['\"]content['\"]\\s*])");

  /**
   * Whether a template reads content given as a list of parts ({@code {"type":"text",…}}), which it
   * shows by looping over a message's content (the test vLLM applies, simplified). Other templates
   * get the text parts joined with newlines, as vLLM does, instead of failing on a list.
   */
  static boolean readsContentParts(String template) {
    return LOOP_OVER_CONTENT.matcher(template).find();
  }

  List<String> names() {
    return named ? List.copyOf(templates.keySet()) : List.of();
  }

  /**
   * Chooses a template as transformers does: the one named in the request, else {@code tool_use}
   * when tools are given and the model has one, else {@code default}.
   */
  String choose(String requested, boolean withTools) {
    if (requested != null) {
      String template = templates.get(requested);
      if (template == null) {
        throw new InvalidFieldException(
            "chat_template",
            "unknown chat template '" + requested + "': the model has " + templates.keySet());
      }
      return template;
    }
    if (withTools && templates.containsKey("tool_use")) {
      return templates.get("tool_use");
    }
    String template = templates.get("default");
    if (template == null) {
      throw new InvalidFieldException(
          "chat_template",
          "the model has several chat templates and none named default: choose one of "
              + templates.keySet());
    }
    return template;
  }
}
