package org.llmplatform.tokenizer.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;

/**
 * Renders chat templates the way transformers does: its Jinja environment is an immutable sandbox
 * with {@code trim_blocks=True}, {@code lstrip_blocks=True}, the loop controls extension, the
 * globals {@code raise_exception} and {@code strftime_now}, and a {@code tojson} filter with
 * Python's JSON format. Templates written for Jinja2 also call Python's string methods, which
 * {@link PythonStringMethods} provides, and use the slice {@code [::-1]}, which is rewritten to
 * {@code |reverse|list} (Jinjava's parser has no step slices).
 *
 * <p>Thread-safe: one instance serves every model.
 */
public final class ChatTemplateRenderer {

  /** Largest rendered prompt, in characters. */
  private static final long MAX_OUTPUT = 64L * 1024 * 1024;

  /**
   * Jinjava's Jinja-compatible behaviours, except its trailing-newline handling, which strips the
   * output's last newline; Jinja strips the template source's instead (see {@link TemplateSource}).
   */
  private static final LegacyOverrides JINJA_COMPATIBLE =
      LegacyOverrides.newBuilder()
          .withEvaluateMapKeys(true)
          .withIterateOverMapKeys(true)
          .withUsePyishObjectMapper(true)
          .withUseNaturalOperatorPrecedence(true)
          .withParseWhitespaceControlStrictly(true)
          .withAllowAdjacentTextNodes(true)
          .withUseTrimmingForNotesAndExpressions(true)
          .withKeepNullableLoopValues(true)
          .withHandleBackslashInQuotesOnly(true)
          .build();

  private final Jinjava jinjava;

  public ChatTemplateRenderer() {
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PythonStringMethods());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    JinjavaConfig config =
        JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            .withLstripBlocks(true)
            .withLegacyOverrides(JINJA_COMPATIBLE)
            .withElResolver(resolver)
            .withMaxOutputSize(MAX_OUTPUT)
            .withFailOnUnknownTokens(false)
            .build();
    jinjava = new Jinjava(config);
    var globals = jinjava.getGlobalContext();
    globals.registerFunction(
        new ELFunctionDefinition(
            "", "raise_exception", TemplateFunctions.class, "raiseException", String.class));
    globals.registerFunction(
        new ELFunctionDefinition(
            "", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
    globals.registerFilter(new TemplateFunctions.ToJson());
    globals.registerTag(new GenerationTag());
  }

  /**
   * Renders {@code template} with {@code variables} ({@code messages}, {@code
   * add_generation_prompt}, {@code bos_token}…).
   *
   * @throws ChatTemplateException when the template raises or cannot be rendered
   */
  public String render(String template, Map<String, Object> variables) {
    RenderResult result = jinjava.renderForResult(TemplateSource.toJinjava(template), variables);
    for (TemplateError error : result.getErrors()) {
      if (error.getSeverity() != TemplateError.ErrorType.FATAL) {
        continue;
      }
      String raised = raisedMessage(error.getException());
      throw new ChatTemplateException(
          raised != null ? raised : "chat template error: " + error.getMessage());
    }
    return result.getOutput();
  }

  private static String raisedMessage(Throwable exception) {
    for (Throwable t = exception; t != null; t = t.getCause()) {
      if (t instanceof TemplateRaisedException raised) {
        return raised.getMessage();
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }
}
