package org.llmplatform.structured.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.llmplatform.structured.grammar.Grammar;

/** One grammar per keyword: byte strings it must accept and ones it must reject. */
class SchemaKeywordsTest {

  private static Grammar g(String schema) {
    return SchemaCompiler.compile(schema.replace('\'', '"'));
  }

  private static void accepts(Grammar g, String... texts) {
    for (String t : texts) {
      assertThat(g.accepts(t.getBytes(StandardCharsets.UTF_8))).as("accepts %s", t).isTrue();
    }
  }

  private static void rejects(Grammar g, String... texts) {
    for (String t : texts) {
      assertThat(g.accepts(t.getBytes(StandardCharsets.UTF_8))).as("rejects %s", t).isFalse();
    }
  }

  @Test
  void types() {
    accepts(g("{'type':'string'}"), "\"a\"", "\"\"", "\"\\u00e9\\n\"", "\"é\"");
    rejects(g("{'type':'string'}"), "1", "\"a", "\"\n\"", "\"\\x\"");
    accepts(g("{'type':'integer'}"), "0", "-12", "1.0", "123456789012345678901");
    rejects(g("{'type':'integer'}"), "1.5", "01", "1e3", "-");
    accepts(g("{'type':'number'}"), "0", "-1.5", "1e-05", "2E+10");
    rejects(g("{'type':'number'}"), ".5", "1.", "--1", "NaN");
    accepts(g("{'type':['string','null']}"), "null", "\"x\"");
    rejects(g("{'type':['string','null']}"), "true");
    accepts(g("{'type':'boolean'}"), "true", "false");
    accepts(g("true"), "{\"a\": [1, {\"b\": null}]}", "\"s\"", "3");
  }

  @Test
  void propertiesInAnyOrderOnceEachWithRequiredAndAdditional() {
    Grammar closed =
        g(
            "{'type':'object','properties':{'a':{'type':'integer'},'b':{'type':'string'}},"
                + "'required':['b'],'additionalProperties':false}");
    accepts(
        closed,
        "{\"a\": 1, \"b\": \"x\"}",
        "{\"b\": \"x\"}",
        "{ \"b\" : \"x\" }",
        "{\"b\": \"x\", \"a\": 1}");
    rejects(
        closed,
        "{}",
        "{\"a\": 1}",
        "{\"b\": \"x\", \"c\": 1}",
        "{\"b\": \"x\", \"b\": \"y\"}",
        "{\"a\": 1, \"b\": \"x\",}");
    Grammar open = g("{'type':'object','properties':{'a':{'type':'integer'}}}");
    accepts(open, "{}", "{\"a\": 1, \"z\": [true]}", "{\"z\": 1, \"a\": 2}");
    rejects(open, "{\"a\": \"x\"}", "{\"a\": 1, \"a\": 2}");
    Grammar typed = g("{'type':'object','additionalProperties':{'type':'integer'}}");
    accepts(typed, "{\"k\": 1, \"m\": 2}");
    rejects(typed, "{\"k\": \"v\"}");
  }

  @Test
  void arrays() {
    Grammar items = g("{'type':'array','items':{'type':'integer'},'minItems':1,'maxItems':3}");
    accepts(items, "[1]", "[1, 2, 3]", "[ 1 ,2 ]");
    rejects(items, "[]", "[1, 2, 3, 4]", "[1 2]", "[\"a\"]", "[1,]");
    Grammar tuple =
        g("{'type':'array','prefixItems':[{'type':'string'},{'type':'integer'}],'items':false}");
    accepts(tuple, "[]", "[\"a\"]", "[\"a\", 1]");
    rejects(tuple, "[1]", "[\"a\", 1, 2]");
    Grammar legacy =
        g("{'type':'array','items':[{'type':'string'}],'additionalItems':{'type':'null'}}");
    accepts(legacy, "[\"a\", null, null]");
    rejects(legacy, "[\"a\", 1]");
  }

  @Test
  void enumConstAnyOfOneOfAllOf() {
    Grammar e = g("{'enum':['a', 1, null, {'x': [true]}]}");
    accepts(e, "\"a\"", "1", "1.0", "null", "{\"x\": [true]}");
    rejects(e, "\"b\"", "2", "true");
    accepts(g("{'const':'x'}"), "\"x\"");
    rejects(g("{'const':'x'}"), "\"y\"");
    rejects(g("{'type':'string','enum':['a', 1]}"), "1");
    Grammar any = g("{'anyOf':[{'type':'integer'},{'type':'string','maxLength':2}]}");
    accepts(any, "12", "\"ab\"");
    rejects(any, "\"abc\"", "null");
    accepts(g("{'oneOf':[{'type':'integer'},{'type':'null'}]}"), "null", "3");
    Grammar tagged =
        g(
            "{'type':'object','oneOf':[{'properties':{'k':{'const':'x'}},'required':['k']},"
                + "{'properties':{'k':{'pattern':'^y+$'}},'required':['k']}]}");
    accepts(tagged, "{\"k\": \"x\"}", "{\"k\": \"yy\"}");
    rejects(tagged, "{\"k\": \"z\"}");
    Grammar all =
        g(
            "{'allOf':[{'type':'object','properties':{'a':{'type':'integer'}},'required':['a']},"
                + "{'properties':{'b':{'type':'string'}},'required':['b']}]}");
    accepts(all, "{\"a\": 1, \"b\": \"x\"}");
    rejects(all, "{\"a\": 1}", "{\"b\": \"x\"}");
    Grammar closedAll =
        g(
            "{'allOf':[{'properties':{'a':{}},'additionalProperties':false},"
                + "{'properties':{'b':{}}}]}");
    accepts(closedAll, "{\"a\": 1}");
    rejects(closedAll, "{\"a\": 1, \"b\": 2}");
  }

  /** Found by SchemaCompilerFuzzTest (seed 1316): a merge kept the enum and dropped the const. */
  @Test
  void constAndEnumFromTwoSchemasAllowOnlyWhatBothAllow() {
    Grammar constAndRef = g("{'const':1,'$ref':'#/$defs/d','$defs':{'d':{'enum':[1, 2, true]}}}");
    accepts(constAndRef, "1");
    rejects(constAndRef, "2", "true");
    Grammar enumAndConst = g("{'allOf':[{'enum':['a','b']},{'const':'b'}]}");
    accepts(enumAndConst, "\"b\"");
    rejects(enumAndConst, "\"a\"");
    Grammar bothAndEnum = g("{'allOf':[{'const':'a','enum':['a','b']},{'enum':['b']}]}");
    rejects(bothAndEnum, "\"a\"", "\"b\"");
    Grammar twoConsts = g("{'allOf':[{'const':1},{'const':1.0}]}");
    accepts(twoConsts, "1");
    assertThat(
            g("{'type':'boolean','$ref':'#/$defs/d','const':{'k':1},"
                    + "'$defs':{'d':{'enum':[2.5, true]}}}")
                .isEmpty())
        .isTrue();
    assertThat(g("{'allOf':[{'const':1},{'const':2}]}").isEmpty()).isTrue();
  }

  /**
   * Found by SchemaCompilerFuzzTest (seed 4110): a required property no value can satisfy left the
   * grammar non-empty, and a decoder that wrote "{" met a dead end.
   */
  @Test
  void aRequiredPropertyWithoutAnyValueMakesTheObjectImpossible() {
    assertThat(g("{'type':'object','properties':{'name':false},'required':['name']}").isEmpty())
        .isTrue();
    assertThat(
            g("{'type':'object','properties':{'name':{'type':'object','not':{}}},"
                    + "'required':['name']}")
                .isEmpty())
        .isTrue();
    assertThat(
            g("{'type':'array','items':{'type':'object','properties':{'n':false},"
                    + "'required':['n']}}")
                .isEmpty())
        .isFalse(); // the empty array is left
    Grammar optional =
        g("{'type':'object','properties':{'a':{'type':'integer'},'name':false},'required':['a']}");
    accepts(optional, "{\"a\": 1}");
    rejects(optional, "{\"name\": 1, \"a\": 1}", "{}");
    // seed 4380: a length no string has, counted at run time, dead-ended the same way
    assertThat(g("{'type':'string','minLength':4,'maxLength':1}").isEmpty()).isTrue();
    assertThat(
            g("{'type':'object','properties':{'b':{'type':'string','minLength':4,'maxLength':1}},"
                    + "'required':['b']}")
                .isEmpty())
        .isTrue();
  }

  @Test
  void notWithAnExactPositiveForm() {
    Grammar notString = g("{'not':{'type':'string'}}");
    accepts(notString, "1", "null", "{}");
    rejects(notString, "\"a\"");
    Grammar twice = g("{'not':{'not':{'type':'integer'}}}");
    accepts(twice, "3");
    rejects(twice, "\"3\"");
    rejects(g("{'not':{}}"), "1", "\"a\"");
  }

  @Test
  void recursiveReferences() {
    Grammar tree =
        g(
            "{'$defs':{'node':{'type':'object','properties':{'v':{'type':'integer'},"
                + "'kids':{'type':'array','items':{'$ref':'#/$defs/node'}}},'required':['v'],"
                + "'additionalProperties':false}},'$ref':'#/$defs/node'}");
    accepts(tree, "{\"v\": 1}", "{\"v\": 1, \"kids\": [{\"v\": 2, \"kids\": [{\"v\": 3}]}]}");
    rejects(tree, "{\"v\": 1, \"kids\": [{}]}");
    Grammar legacy =
        g(
            "{'definitions':{'s':{'type':'string'}},'type':'array','items':{'$ref':'#/definitions/s'}}");
    accepts(legacy, "[\"a\"]");
    rejects(legacy, "[1]");
  }

  @Test
  void stringConstraints() {
    Grammar len = g("{'type':'string','minLength':2,'maxLength':3}");
    accepts(len, "\"ab\"", "\"abc\"", "\"éé\"", "\"a\\n\"");
    rejects(len, "\"a\"", "\"abcd\"");
    Grammar searched = g("{'type':'string','pattern':'[0-9]{2}'}");
    accepts(searched, "\"x12y\"", "\"12\"");
    rejects(searched, "\"x1y\"");
    Grammar anchored = g("{'type':'string','pattern':'^[a-z]+(-[a-z]+)*$'}");
    accepts(anchored, "\"ab-cd\"");
    rejects(anchored, "\"ab-\"", "\"Ab\"", "\"\"");
    Grammar quote = g("{'type':'string','pattern':'^a\\\"b$'}");
    accepts(quote, "\"a\\\"b\"");
  }

  @Test
  void formats() {
    accepts(g("{'type':'string','format':'date'}"), "\"2024-02-29\"", "\"2023-12-31\"");
    rejects(g("{'type':'string','format':'date'}"), "\"2023-02-29\"", "\"2023-13-01\"", "\"x\"");
    accepts(
        g("{'type':'string','format':'date-time'}"),
        "\"2023-01-02T03:04:05Z\"",
        "\"2023-01-02T03:04:05.123+02:00\"");
    rejects(g("{'type':'string','format':'date-time'}"), "\"2023-01-02 03:04\"");
    accepts(g("{'type':'string','format':'uuid'}"), "\"123e4567-e89b-12d3-a456-426614174000\"");
    accepts(g("{'type':'string','format':'ipv4'}"), "\"192.168.0.1\"");
    rejects(g("{'type':'string','format':'ipv4'}"), "\"256.1.1.1\"", "\"01.1.1.1\"");
    accepts(g("{'type':'string','format':'email'}"), "\"a.b@c.org\"");
    rejects(g("{'type':'string','format':'email'}"), "\"invalid_email\"");
    accepts(g("{'type':'string','format':'not-a-known-format'}"), "\"anything\"");
  }

  @Test
  void numericBounds() {
    Grammar i = g("{'type':'integer','minimum':-5,'exclusiveMaximum':100}");
    accepts(i, "-5", "0", "-0", "99", "42");
    rejects(i, "-6", "100", "1000");
    Grammar draft4 =
        g(
            "{'$schema':'http://json-schema.org/draft-04/schema#','type':'integer','minimum':0,"
                + "'exclusiveMinimum':true}");
    accepts(draft4, "1");
    rejects(draft4, "0");
    Grammar n = g("{'type':'number','minimum':0,'maximum':1}");
    accepts(n, "0", "0.5", "1", "1.000");
    rejects(n, "-0.1", "1.01", "2");
    Grammar gt = g("{'type':'number','exclusiveMinimum':0}");
    accepts(gt, "0.001", "7");
    rejects(gt, "0", "0.0", "-1");
  }

  @Test
  void whitespaceIsBounded() {
    Grammar obj = g("{'type':'object','properties':{'a':{'type':'integer'}}}");
    accepts(obj, "{\n  \"a\": 1\n}", " {} ");
    rejects(obj, "{" + " ".repeat(Lexemes.MAX_WHITESPACE + 1) + "}");
  }

  @Test
  void refusesWhatItCannotEnforceNamingTheKeyword() {
    assertRefused("{'not':{'required':['a']}}", "not");
    assertRefused("{'oneOf':[{'required':['a']},{'required':['b']}]}", "oneOf");
    assertRefused("{'type':'object','patternProperties':{'^x':{}}}", "patternProperties");
    assertRefused("{'type':'integer','multipleOf':3}", "multipleOf");
    assertRefused("{'type':'array','uniqueItems':true}", "uniqueItems");
    assertRefused("{'type':'string','pattern':'(?=a)b'}", "pattern");
    assertRefused("{'type':'string','pattern':'\\\\bword'}", "pattern");
    assertRefused("{'$ref':'other.json#/x'}", "$ref");
    assertRefused("{'anyOf':[{'$ref':'#'}]}", "$ref");
    assertRefused("{'type':'string','format':'ipv6'}", "format");
    assertRefused("{'type':'number','minimum':0.5}", "minimum");
  }

  private static void assertRefused(String schema, String keyword) {
    assertThatThrownBy(() -> g(schema))
        .isInstanceOf(UnsupportedSchemaException.class)
        .satisfies(e -> assertThat(((UnsupportedSchemaException) e).keyword()).isEqualTo(keyword));
  }
}
