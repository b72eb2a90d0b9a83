package org.llmplatform.tokenizer.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Values are data, never template code; a render is bounded by its {@link RenderLimits}. Regression
 * tests of issue 16 (a message's {@code {{ 7*7 }}} reached the model as {@code 49}).
 */
class TemplateSandboxTest {

  private static final String ECHO = "{{ bos_token }}[{{ content }}]";

  private static Map<String, Object> content(Object content) {
    Map<String, Object> variables = new HashMap<>();
    variables.put("bos_token", "<s>");
    variables.put("eos_token", "</s>");
    variables.put("content", content);
    return variables;
  }

  private final ExecutorService thread = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() {
    thread.shutdownNow();
  }

  @Test
  void aValueThatLooksLikeTemplateCodeIsRenderedAsItIs() {
    var renderer = new ChatTemplateRenderer();
    for (String hostile :
        List.of(
            "{{ 7*7 }}",
            "{{ eos_token }}",
            "{% for i in range(3) %}x{% endfor %}",
            "{{ 'a'|upper }}",
            "{% raw %}{{ x }}{% endraw %}",
            "{# comment #}",
            "{%- if true -%}y{%- endif -%}",
            "{{ raise_exception('forged') }}",
            "{% include 'application.yml' %}",
            "{{ content }}",
            "{{")) {
      assertThat(renderer.render(ECHO, content(hostile))).isEqualTo("<s>[" + hostile + "]");
      // filters and methods give their value, which is not rendered again either
      assertThat(renderer.render("{{ content|trim|upper }}", content(" " + hostile)))
          .isEqualTo(hostile.toUpperCase(java.util.Locale.ROOT));
      assertThat(renderer.render("{{ content.strip() ~ content|tojson }}", content(hostile)))
          .startsWith(hostile);
    }
  }

  @Test
  void nothingTurnsAStringIntoATemplateOrReadsOne() {
    var renderer = new ChatTemplateRenderer();
    assertThatThrownBy(() -> renderer.render("{{ content|render }}", content("{{ 7*7 }}")))
        .isInstanceOf(ChatTemplateException.class);
    for (String tag :
        List.of(
            "{% include 'application.yml' %}",
            "{% import 'application.yml' as x %}",
            "{% from 'application.yml' import x %}",
            "{% extends 'application.yml' %}")) {
      assertThatThrownBy(() -> renderer.render(tag, content("")))
          .as(tag)
          .isInstanceOf(ChatTemplateException.class);
    }
    // Jinja's striptags: tags and comments out, whitespace joined, entities unescaped, no render
    assertThat(
            renderer.render(
                "{{ content|striptags }}", content("<b>{{ 7*7 }}</b>  <!-- c -->\n&lt;x&gt;")))
        .isEqualTo("{{ 7*7 }} <x>");
  }

  @Test
  void aLoopPastTheIterationLimitStops() {
    var renderer = new ChatTemplateRenderer(new RenderLimits(Duration.ofSeconds(30), 1 << 20, 500));
    String template = "{% for a in items %}{% for b in items %}.{% endfor %}{% endfor %}";
    Map<String, Object> variables = Map.of("items", List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    assertThat(renderer.render(template, new HashMap<>(variables))).hasSize(100);
    Map<String, Object> more = new HashMap<>(Map.of("items", java.util.Collections.nCopies(30, 1)));
    assertThatThrownBy(() -> renderer.render(template, more))
        .isInstanceOf(TemplateLimitException.class)
        .hasMessage("the chat template ran more than the limit of 500 loop iterations");
  }

  @Test
  void anOutputPastTheSizeLimitStops() {
    var renderer = new ChatTemplateRenderer(new RenderLimits(Duration.ofSeconds(30), 1000, 1000));
    assertThat(renderer.render(ECHO, content("x".repeat(900)))).hasSize(905);
    assertThatThrownBy(
            () ->
                renderer.render(
                    "{% for i in range(20) %}{{ content }}{% endfor %}", content("x".repeat(100))))
        .isInstanceOf(TemplateLimitException.class)
        .hasMessage("the rendered chat template is longer than the limit of 1000 UTF-8 bytes");
    // a string the template builds is bounded too, rendered or not
    assertThatThrownBy(
            () ->
                renderer.render(
                    "{% set ns = namespace(s=content) %}{% for i in range(12) %}"
                        + "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
                    content("x")))
        .isInstanceOf(ChatTemplateException.class);
  }

  /** A render of 10^9 loop iterations (hours) within the iteration limit, but past the time. */
  @Test
  void aRenderPastItsTimeStopsAndStopsWorking() throws Exception {
    var renderer =
        new ChatTemplateRenderer(new RenderLimits(Duration.ofMillis(300), 1 << 20, Long.MAX_VALUE));
    String template =
        "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
            + "{% endfor %}{% endfor %}{% endfor %}";
    long start = System.nanoTime();
    Future<String> render = thread.submit(() -> renderer.render(template, content("")));
    assertThatThrownBy(() -> render.get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(TemplateLimitException.class)
        .cause()
        .hasMessage("the chat template took longer than the limit of 300 ms to render");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    // the thread is free: the render did not go on in the background
    assertThat(thread.submit(() -> "free").get(1, TimeUnit.SECONDS)).isEqualTo("free");
  }

  @Test
  void anInterruptedRenderStops() throws Exception {
    var renderer =
        new ChatTemplateRenderer(new RenderLimits(Duration.ofHours(1), 1 << 20, Long.MAX_VALUE));
    String template =
        "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
            + "{% endfor %}{% endfor %}{% endfor %}";
    var started = new CompletableFuture<Thread>();
    Future<String> render =
        thread.submit(
            () -> {
              started.complete(Thread.currentThread());
              return renderer.render(template, content(""));
            });
    Thread.sleep(200);
    started.get().interrupt();
    assertThatThrownBy(() -> render.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(TemplateLimitException.class)
        .cause()
        .hasMessage("the chat template's render was cancelled");
  }

  @Test
  void aFailingRenderNamesTheMessageItWasOn() {
    var renderer = new ChatTemplateRenderer();
    List<TemplateMessage> messages = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      TemplateMessage message = new TemplateMessage(i);
      message.put("role", i == 2 ? "robot" : "user");
      message.put("content", i == 3 ? List.of(Map.of("type", "image")) : "hi");
      messages.add(message);
    }
    Map<String, Object> variables = new HashMap<>(Map.of("messages", messages));
    assertThatThrownBy(
            () ->
                renderer.render(
                    "{% for m in messages %}{% if m.role == 'robot' %}"
                        + "{{ raise_exception('unknown role') }}{% endif %}{% endfor %}",
                    variables))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessage("unknown role")
        .extracting(e -> ((ChatTemplateException) e).messageIndex().getAsInt())
        .isEqualTo(2);
    // an engine error: .strip() of a list
    assertThatThrownBy(
            () ->
                renderer.render(
                    "{% for m in messages %}{{ m.content.strip() }}{% endfor %}", variables))
        .isInstanceOf(ChatTemplateException.class)
        .extracting(e -> ((ChatTemplateException) e).messageIndex().getAsInt())
        .isEqualTo(3);
  }
}
