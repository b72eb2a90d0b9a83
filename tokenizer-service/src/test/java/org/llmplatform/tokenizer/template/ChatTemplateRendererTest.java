package org.llmplatform.tokenizer.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The features of transformers' Jinja environment that chat templates rely on, each with the output
 * Jinja2 gives (as Python's transformers renders it).
 */
class ChatTemplateRendererTest {

  private final ChatTemplateRenderer renderer = new ChatTemplateRenderer();

  private String render(String template, Map<String, Object> variables) {
    return renderer.render(template, new HashMap<>(variables));
  }

  private String render(String template) {
    return render(template, Map.of());
  }

  @Test
  void raiseExceptionAbortsWithTheTemplatesMessage() {
    assertThatThrownBy(() -> render("before{{ raise_exception('Only user and assistant') }}after"))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessage("Only user and assistant");
  }

  @Test
  void anEngineErrorIsAChatTemplateErrorToo() {
    assertThatThrownBy(() -> render("{{ undefined_function(1) }}"))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageStartingWith("chat template error:");
  }

  @Test
  void trimBlocksAndLstripBlocksAsTransformersSetsThem() {
    String template = "<a>\n  {% if true %}\n  x\n  {% endif %}\n</a>";
    // lstrip_blocks removes the indentation before a block tag, trim_blocks the newline after it
    assertThat(render(template)).isEqualTo("<a>\n  x\n</a>");
  }

  @Test
  void aSingleTrailingNewlineOfTheSourceIsDropped() {
    assertThat(render("{{ 'x' }}\n")).isEqualTo("x");
    assertThat(render("{{ 'x' }}\n\n")).isEqualTo("x\n");
    assertThat(render("{{ 'x\\n' }}")).isEqualTo("x\n");
  }

  @Test
  void loopControlsAndLoopVariables() {
    String template =
        "{% for i in items %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 4 %}{% break %}"
            + "{% endif %}{{ loop.index0 }}:{{ i }}{% if not loop.last %},{% endif %}{% endfor %}";
    assertThat(render(template, Map.of("items", List.of(1, 2, 3, 4, 5)))).isEqualTo("0:1,2:3,");
  }

  @Test
  void namespaceWithKeywordArgumentsThatHoldOperators() {
    String template =
        "{% set ns = namespace(last=items|length - 1, found=false) %}"
            + "{% for i in items %}{% if i > 1 %}{% set ns.found = true %}{% endif %}{% endfor %}"
            + "{{ ns.last }} {{ ns.found }}";
    assertThat(render(template, Map.of("items", List.of(1, 2, 3)))).isEqualTo("2 true");
  }

  @Test
  void reverseSliceAndNegativeIndex() {
    assertThat(
            render(
                "{% for m in items[::-1] %}{{ m }}{% endfor %}|{{ items[-1] }}|{{ items[1:]|length }}",
                Map.of("items", List.of("a", "b", "c"))))
        .isEqualTo("cba|c|2");
  }

  @Test
  void tojsonWritesWhatPythonsJsonDumpsWrites() {
    Map<String, Object> tool = new LinkedHashMap<>();
    tool.put("name", "get_weather");
    tool.put("required", List.of("city"));
    tool.put("strict", true);
    tool.put("scale", 1.0);
    tool.put("none", null);
    tool.put("text", "naïve \"quoted\"\n");
    assertThat(render("{{ tool | tojson }}", Map.of("tool", tool)))
        .isEqualTo(
            "{\"name\": \"get_weather\", \"required\": [\"city\"], \"strict\": true, \"scale\": 1.0,"
                + " \"none\": null, \"text\": \"naïve \\\"quoted\\\"\\n\"}");
    assertThat(render("{{ tool | tojson(indent=2) }}", Map.of("tool", Map.of("a", List.of(1)))))
        .isEqualTo("{\n  \"a\": [\n    1\n  ]\n}");
  }

  @Test
  void pythonStringMethods() {
    Map<String, Object> vars = Map.of("s", "  <think>\nx\n</think>\n\nanswer  ");
    assertThat(render("[{{ s.strip() }}]", vars)).isEqualTo("[<think>\nx\n</think>\n\nanswer]");
    assertThat(
            render("{{ s.strip().startswith('<think>') }} {{ s.endswith(('no', 'r  ')) }}", vars))
        .isEqualTo("true true");
    assertThat(render("[{{ s.split('</think>')[-1].lstrip('\\n ') }}]", vars))
        .isEqualTo("[answer  ]");
    assertThat(render("{{ 'a|b||'.split('|') | length }}"))
        .isEqualTo("4"); // literal, keeps empties
    assertThat(render("{{ ' a  b '.split() | join(',') }}")).isEqualTo("a,b");
    assertThat(render("{{ 'a-b-c'.split('-', 1)[1] }} {{ 'a-b-c'.rsplit('-', 1)[0] }}"))
        .isEqualTo("b-c a-b");
    assertThat(
            render("{{ 'xxhixx'.strip('x') }} {{ 'Hello'.upper() }} {{ 'hello world'.title() }}"))
        .isEqualTo("hi HELLO Hello World");
    assertThat(
            render("{{ 'a.b'.replace('.', '!') }} {{ 'banana'.count('a') }} {{ 'abc'.find('c') }}"))
        .isEqualTo("a!b 3 2");
  }

  private static String today() {
    return LocalDate.now().format(DateTimeFormatter.ofPattern("dd MMM yyyy", Locale.ENGLISH));
  }

  @Test
  void strftimeNowFormatsTheLocalDateLikePython() {
    String before = today();
    String rendered = render("{{ strftime_now('%d %b %Y') }}");
    assertThat(List.of(before, today())).contains(rendered); // a render may straddle midnight
  }

  @Test
  void toolsAndDocumentsReachTheTemplateAndNoneIsNone() {
    String template =
        "{% if tools is not none %}{% for t in tools %}{{ t.function.name }};{% endfor %}{% endif %}"
            + "{% if documents is none %}no documents{% endif %}";
    Map<String, Object> vars = new HashMap<>();
    vars.put("tools", List.of(Map.of("function", Map.of("name", "f"))));
    vars.put("documents", null);
    assertThat(render(template, vars)).isEqualTo("f;no documents");
  }

  @Test
  void generationTagRendersItsBody() {
    assertThat(render("a{% generation %}b{{ 'c' }}{% endgeneration %}d")).isEqualTo("abcd");
  }
}
