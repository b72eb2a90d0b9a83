package org.llmplatform.tokenizer.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Jinja's expression and scope semantics that chat templates rely on, each with the output that
 * Jinja2 3.1 (as transformers sets it up: trim_blocks, lstrip_blocks, loop controls) and
 * transformers.js both give for the same variables. Issue 19: DeepSeek-V3's template lost its
 * generation prompt to Jinjava's precedence of {@code not}.
 */
class JinjaSemanticsTest {

  private final ChatTemplateRenderer renderer = new ChatTemplateRenderer();

  private String render(String template) {
    Map<String, Object> variables = new HashMap<>();
    variables.put(
        "messages",
        List.of(
            Map.of("role", "user", "content", "hi"),
            Map.of("role", "assistant", "content", "yo"),
            Map.of("role", "tool", "content", "42")));
    variables.put("add_generation_prompt", true);
    variables.put("xs", List.of(1, 2));
    variables.put("ys", List.of(1, 2, 3));
    variables.put("no_items", List.of());
    variables.put("nothing", null);
    return renderer.render(template, variables);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiterString = " => ",
      quoteCharacter = '`',
      textBlock =
          """
          # a namespace attribute set inside a loop is seen after it, and inside nested loops
          ns in loop => {% set ns = namespace(found=false) %}{% for m in messages %}{% if m.role == 'tool' %}{% set ns.found = true %}{% endif %}{% endfor %}{% if ns.found %}found{% else %}none{% endif %} => found
          ns in nested loops => {% set ns = namespace(n=0, last='') %}{% for a in xs %}{% for b in ys %}{% set ns.n = ns.n + 1 %}{% set ns.last = a ~ b %}{% endfor %}{% endfor %}{{ ns.n }} {{ ns.last }} => 6 23
          ns text built in a loop => {% set ns = namespace(text='') %}{% for m in messages %}{% set ns.text = ns.text + m.role + ',' %}{% endfor %}{{ ns.text }} => user,assistant,tool,
          DeepSeek-V3's pattern => {% set ns = namespace(is_tool=false) %}{% for m in messages %}{%- if m.role == 'tool' %}{%- set ns.is_tool = true -%}{%- else %}{%- set ns.is_tool = false -%}{%- endif %}{% endfor %}{% if ns.is_tool %}<end>{% endif %}{% if add_generation_prompt and not ns.is_tool %}<A>{% endif %} => <end>
          # a plain set inside a loop stays in the loop; loop is the innermost loop's
          set in loop is scoped => {% set x = 'outer' %}{% for i in xs %}{% set x = 'inner' ~ i %}{{ x }},{% endfor %}{{ x }} => inner1,inner2,outer
          loop in nested loops => {% for a in xs %}{% for b in ys %}{{ loop.index }}{% endfor %}-{{ loop.index }}/{{ loop.length }};{% endfor %} => 123-1/2;123-2/2;
          outer loop index kept => {% for a in xs %}{% set outer = loop.index %}{% for b in ys %}{{ outer }}{{ loop.index }},{% endfor %}{% endfor %} => 11,12,13,21,22,23,
          loop variables => {% for m in messages %}{{ loop.index0 }}{{ loop.index }}{{ loop.revindex0 }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}{{ loop.length }},{% endfor %} => 012F3,1213,230L3,
          not loop.last => {% for m in messages %}{% if not loop.last %}{{ m.role }},{% endif %}{% endfor %} => user,assistant,
          # not binds more loosely than tests, comparisons, in and filters
          not x is defined => {% if not add_generation_prompt is defined %}a{% else %}b{% endif %}{% if not undefined_name is defined %}c{% else %}d{% endif %} => bc
          DeepSeek-V3's first line => {% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{% if add_generation_prompt %}<A>{% endif %} => <A>
          not x is none => {% if not xs is none %}a{% else %}b{% endif %}{% if not nothing is none %}c{% else %}d{% endif %} => ad
          not a == b => {% if not xs[0] == 1 %}a{% else %}b{% endif %}{% if not xs[0] != 1 %}c{% else %}d{% endif %}{% if not xs[0] > 5 %}e{% else %}f{% endif %} => bce
          not a in b => {% if not 'x' in 'abc' %}a{% else %}b{% endif %}{% if not 1 in xs %}c{% else %}d{% endif %} => ad
          not x filtered => {% if not xs | length %}a{% else %}b{% endif %}{% if not no_items | length %}c{% else %}d{% endif %} => bc
          not with and/or => {% if true and not false %}a{% endif %}{% if not true or true %}b{% endif %}{% if not (true or true) %}c{% endif %}{% if not not true %}d{% endif %}{% if not false and not false %}e{% endif %} => abde
          not in a condition expression => {{ 'y' if not no_items else 'n' }}{{ 'y' if not xs else 'n' }} => yn
          # + as Python has it
          plus => {{ 'a' + 'b' }}{{ 1 + 2 }}{{ (xs + ys) | length }} => ab35
          """)
  void rendersAsJinjaDoes(String name, String template, String expected) {
    assertThat(render(template)).as(name).isEqualTo(expected);
  }

  /**
   * {@code lstrip_blocks} strips the indentation of a block tag or comment at the start of a line
   * only; {@code {%+} keeps it; a raw block's body is text. (transformers.js has neither {@code
   * {%+} nor {@code raw}: those two are Jinja2's.)
   */
  static Stream<Arguments> lstripBlocks() {
    return Stream.of(
        Arguments.of(
            "a {% if true %}b{% endif %} c\n  {% if true %}d{% endif %}\n\t{%- if true %}e{% endif %}",
            "a b c\nde"),
        Arguments.of("{% for m in messages %}{{ m.role }} {% endfor %}|", "user assistant tool |"),
        Arguments.of("  {% if true %}x{% endif %}", "x"),
        Arguments.of("line\n  {%+ if true %}x{% endif %}", "line\n  x"),
        Arguments.of("a\n  {# note #}b", "a\nb"),
        Arguments.of("x\n{% raw %}a\n  {% if %}{% endraw %}|", "x\na\n  {% if %}|"),
        Arguments.of("{{ 'x' }}\n    {% if true %}y{% endif %}", "x\ny"),
        Arguments.of("{% if true %}  {% endif %}|", "  |"),
        Arguments.of("{% if true %}\n  {% endif %}|", "|"),
        Arguments.of("{% if true %}\n  x\n  {% endif %}\n  {{ 'y' }}\n", "  x\n  y"),
        Arguments.of(
            "{%- for m in messages %}\n    {%- if m.role == 'user' %}\n        {{- m.role }}\n    {% endif %}\n{% endfor %}|",
            "user\n|"));
  }

  @ParameterizedTest
  @MethodSource
  void lstripBlocks(String template, String expected) {
    assertThat(render(template)).isEqualTo(expected);
  }

  /**
   * None where a template needs text is an error in both references (Python: {@code TypeError};
   * Python's {@code trim} writes {@code None}), never the word {@code null} in a prompt.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{{ 'a' + nothing }}",
        "{{ nothing + 'a' }}",
        "{{ 1 + nothing }}",
        "{{ xs + nothing }}",
        "{{ '<|im_start|>' + messages[0].missing + '<|im_end|>' }}",
        "{{ nothing | trim }}",
      })
  void noneWhereTextIsNeededIsAnError(String template) {
    assertThatThrownBy(() -> render(template))
        .isInstanceOf(ChatTemplateException.class)
        .satisfies(e -> assertThat(e.getMessage()).containsIgnoringCase("none"));
  }
}
