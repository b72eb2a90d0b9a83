package org.llmplatform.structured.schema;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.llmplatform.structured.automaton.Nfa;
import org.llmplatform.structured.grammar.Grammar;

/**
 * Tool calls in a model family's format ({@link ToolCallFormat}): a grammar whose start rule wraps
 * the call schema's JSON value in the opener and closer.
 *
 * <ul>
 *   <li><b>required</b>: {@code opener · JSON · closer}, then (parallel) {@code "\n"} and another
 *       call, any number of times; EOS after a complete call.
 *   <li><b>lazy</b> (not required): free text (any bytes; EOS allowed) until the text ends with the
 *       opener, then {@code JSON · closer}; then, parallel: free text again, which may open another
 *       call; not parallel: free text in which the opener cannot appear (at most one call). The
 *       trigger is followed byte by byte, so an opener split across tokens, or a token holding the
 *       opener and the call's first bytes, is checked like any other text.
 * </ul>
 *
 * No white space around the call's JSON (the opener and closer hold the family's newlines); inside
 * it, at most one byte between two tokens, and integers without a fraction ({@code 3}, not {@code
 * 3.0}): a call spelled as a model trained on tools writes it ({@link JsonSpelling#COMPACT}).
 */
public final class ToolCallGrammar {
  private ToolCallGrammar() {}

  /**
   * The grammar of calls whose JSON matches {@code callSchemaJson}; the schema is refused as by
   * {@link SchemaCompiler#compile(String)}.
   */
  public static Grammar compile(String callSchemaJson, ToolCallFormat format) {
    byte[] opener = format.opener().getBytes(StandardCharsets.UTF_8);
    byte[] closer = format.closer().getBytes(StandardCharsets.UTF_8);
    return SchemaCompiler.compile(
        callSchemaJson,
        JsonSpelling.COMPACT,
        (c, value) ->
            format.required()
                ? required(value, opener, closer, format.parallel())
                : lazy(c.builder(), value, opener, closer, format.parallel()));
  }

  private static Nfa required(int value, byte[] opener, byte[] closer, boolean parallel) {
    Nfa n = new Nfa();
    int start = n.newState();
    int json = n.newState();
    int afterJson = n.newState();
    int end = n.newState();
    n.addLiteral(start, opener, json);
    n.addCall(json, value, afterJson);
    n.addLiteral(afterJson, closer, end);
    if (parallel) {
      n.addByte(end, '\n', start);
    }
    n.setStart(start);
    n.setAccept(end);
    return n;
  }

  private static Nfa lazy(
      GrammarBuilder b, int value, byte[] opener, byte[] closer, boolean parallel) {
    String hex = HexFormat.of().formatHex(opener);
    int free = b.lexical("free-text-without#" + hex, () -> FreeText.withoutTrigger(opener));
    int untilOpener = b.lexical("free-text-until#" + hex, () -> FreeText.untilTrigger(opener));
    Nfa n = new Nfa();
    int start = n.newState();
    int json = n.newState();
    int afterJson = n.newState();
    int afterCall = n.newState();
    int end = n.newState();
    n.addCall(start, free, end);
    n.addCall(start, untilOpener, json);
    n.addCall(json, value, afterJson);
    n.addLiteral(afterJson, closer, afterCall);
    if (parallel) {
      n.addEpsilon(afterCall, start);
    } else {
      n.addCall(afterCall, free, end);
    }
    n.setStart(start);
    n.setAccept(end);
    return n;
  }
}
