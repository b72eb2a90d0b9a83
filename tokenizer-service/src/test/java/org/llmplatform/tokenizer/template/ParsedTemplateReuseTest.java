package org.llmplatform.tokenizer.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.llmplatform.tokenizer.model.TestModels;
import tools.jackson.databind.json.JsonMapper;

/**
 * Differential test of the parsed-template reuse: on random conversations, every template renders
 * the same prompt (or the same error) as a renderer that parses the source on every call, one
 * thread or several at once.
 */
class ParsedTemplateReuseTest {

  private static final String[] ROLES = {"system", "user", "assistant", "user", "assistant"};
  private static final String[] WORDS = {
    "Hello", " world", "  ", "\n", "<think>x</think>", "é", "数", "🙂", "'", "\"", "{{", "%}", "\t"
  };

  /** Templates exercising what chat templates use, plus the real ones found on disk. */
  private static List<String> templates() throws IOException {
    var templates = new ArrayList<String>();
    templates.add(
        "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}");
    templates.add(
        "{%- set ns = namespace(n=messages|length - 1, seen=false) %}\n"
            + "{%- for m in messages[::-1] %}{% if m.role == 'user' and not ns.seen %}"
            + "{% set ns.seen = true %}{{ loop.index0 }}:{{ m.content.strip() }}|{% endif %}{% endfor %}\n"
            + "{%- for m in messages %}{% if loop.first and m.role != 'system' %}"
            + "{{ raise_exception('Conversations must start with a system message') }}{% endif %}"
            + "{{ m.content.split(' ')[-1] | tojson }}{% if loop.last %}{{ ns.n }}{% endif %}{% endfor %}\n");
    templates.add(
        "{% macro turn(m) %}[{{ m.role | upper }}] {{ m.content | trim }}{% endmacro %}"
            + "{{ bos_token }}{% for m in messages %}{% if m.role == 'system' %}{% continue %}{% endif %}"
            + "{{ turn(m) }}\n{% if loop.index > 3 %}{% break %}{% endif %}{% endfor %}");
    Path gqa = TestModels.repo().resolve("test-models/tiny-llama-gqa/tokenizer_config.json");
    templates.add(chatTemplate(gqa));
    for (String family : List.of("qwen3", "llama3", "gemma3", "deepseek_v3")) {
      Path config =
          TestModels.repo()
              .resolve("model-tools/.cache/tokenizers/" + family + "/tokenizer_config.json");
      if (Files.isRegularFile(config)) {
        templates.add(chatTemplate(config));
      }
    }
    return templates;
  }

  private static String chatTemplate(Path tokenizerConfig) throws IOException {
    return JsonMapper.builder()
        .build()
        .readTree(Files.readString(tokenizerConfig))
        .path("chat_template")
        .asString();
  }

  private static Map<String, Object> conversation(Random random) {
    var messages = new ArrayList<Map<String, Object>>();
    int start = random.nextInt(2);
    for (int i = 0; i < 1 + random.nextInt(5); i++) {
      var content = new StringBuilder();
      for (int w = random.nextInt(6); w > 0; w--) {
        content.append(WORDS[random.nextInt(WORDS.length)]);
      }
      var message = new LinkedHashMap<String, Object>();
      message.put("role", ROLES[Math.min(start + i, ROLES.length - 1)]);
      message.put("content", content.toString());
      messages.add(message);
    }
    var variables = new HashMap<String, Object>();
    variables.put("messages", messages);
    variables.put("add_generation_prompt", random.nextBoolean());
    variables.put("bos_token", "<s>");
    variables.put("eos_token", "</s>");
    variables.put("tools", null);
    variables.put("documents", null);
    return variables;
  }

  /** The rendered prompt, or the error's message prefixed with "error: ". */
  private static String outcome(
      ChatTemplateRenderer renderer, String template, Map<String, ?> vars) {
    try {
      return renderer.render(template, new HashMap<>(vars));
    } catch (ChatTemplateException e) {
      return "error: " + e.getMessage();
    }
  }

  private final ExecutorService threads = Executors.newFixedThreadPool(4);

  @AfterEach
  void stop() {
    threads.shutdownNow();
  }

  @Test
  void parsedTemplatesRenderWhatTheSourceRenders() throws Exception {
    var reference = new ChatTemplateRenderer(false);
    var reusing = new ChatTemplateRenderer();
    var random = new Random(6);
    for (String template : templates()) {
      var conversations = new ArrayList<Map<String, Object>>();
      var expected = new ArrayList<String>();
      for (int i = 0; i < 60; i++) {
        conversations.add(conversation(random));
        expected.add(outcome(reference, template, conversations.getLast()));
      }
      assertThat(expected)
          .as("the random conversations render")
          .anyMatch(o -> !o.startsWith("error"));
      for (int i = 0; i < conversations.size(); i++) {
        assertThat(outcome(reusing, template, conversations.get(i)))
            .as("%s", conversations.get(i))
            .isEqualTo(expected.get(i));
      }
      var concurrent = new ArrayList<Future<List<String>>>();
      for (int t = 0; t < 4; t++) {
        concurrent.add(
            threads.submit(
                () -> {
                  var outcomes = new ArrayList<String>();
                  for (int round = 0; round < 5; round++) {
                    conversations.forEach(c -> outcomes.add(outcome(reusing, template, c)));
                  }
                  return outcomes;
                }));
      }
      for (Future<List<String>> outcomes : concurrent) {
        for (int i = 0; i < outcomes.get().size(); i++) {
          assertThat(outcomes.get().get(i)).isEqualTo(expected.get(i % expected.size()));
        }
      }
    }
  }

  @Test
  void aTemplateThatDoesNotParseFailsOnEveryCall() {
    var renderer = new ChatTemplateRenderer();
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> renderer.render("{% for m in messages %}{{ m }}", new HashMap<>()))
          .isInstanceOf(ChatTemplateException.class);
    }
  }
}
