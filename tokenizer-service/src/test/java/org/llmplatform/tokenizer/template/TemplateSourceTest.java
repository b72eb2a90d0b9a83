package org.llmplatform.tokenizer.template;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TemplateSourceTest {

  @Test
  void parenthesisesKeywordArgumentValuesOnly() {
    assertThat(
            TemplateSource.toJinjava(
                "{%- set ns = namespace(a=x|length - 1, b='=,(', c=f(d=1)) %}{{ a == b }}"))
        .isEqualTo(
            "{%- set ns = namespace(a=(x|length - 1), b=('=,('), c=(f(d=(1)))) %}{{ a == b }}");
  }

  @Test
  void leavesTextComparisonsAndMacroDefaultsAlone() {
    String source = "x=1 {% if a <= b and c != d %}{% macro m(x=1) %}{% endmacro %}{% endif %}";
    assertThat(TemplateSource.toJinjava(source)).isEqualTo(source);
  }

  @Test
  void rewritesReverseSlices() {
    assertThat(TemplateSource.toJinjava("{% for m in messages[::-1] %}{% endfor %}"))
        .isEqualTo("{% for m in messages|reverse|list %}{% endfor %}");
  }

  @Test
  void stripsTheIndentationOfBlockTagsAndCommentsAtTheStartOfALineOnly() {
    assertThat(
            TemplateSource.toJinjava(
                "  {% if a %}\n  x {% if b %}\n\t{# c #}{{ y }} {%- if d %}\n  {%+ if e %}"))
        .isEqualTo("{% if a %}\n  x {% if b %}\n{# c #}{{ y }} {%- if d %}\n  {% if e %}");
    assertThat(TemplateSource.toJinjava("{% raw %}\n  {% if %}\n  {% endraw %}"))
        .isEqualTo("{% raw %}\n  {% if %}\n{% endraw %}");
  }
}
