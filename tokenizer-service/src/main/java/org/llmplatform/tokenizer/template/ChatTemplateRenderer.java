package org.llmplatform.tokenizer.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.InvalidArgumentException;
import com.hubspot.jinjava.interpret.InvalidInputException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.TemplateSyntaxException;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.tree.Node;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ExpressionFactory;

/**
 * Renders chat templates the way transformers does: its Jinja environment is an immutable sandbox
 * with {@code trim_blocks=True}, {@code lstrip_blocks=True}, the loop controls extension, the
 * globals {@code raise_exception} and {@code strftime_now}, and a {@code tojson} filter with
 * Python's JSON format. Templates written for Jinja2 also call Python's string methods, which
 * {@link PythonStringMethods} provides, and use the slice {@code [::-1]}, which is rewritten to
 * {@code |reverse|list} (Jinjava's parser has no step slices). Expressions are parsed with Jinja's
 * precedence of {@code not} and Python's {@code +} on none ({@link JinjaExpressionParser}).
 *
 * <p>Each template is rewritten and parsed once, on first use, into a node tree that every later
 * render of it walks (Jinjava's {@code renderForResult(String, …)} rewrites and parses the source
 * on every call); the output is the same, as the differential test checks. A template whose parse
 * reports anything is not kept: it is parsed again on each call, so its errors are reported each
 * time.
 *
 * <p>Values are data, never code: Jinjava's nested interpretation (which renders an expression's
 * output again when it holds {@code {{}/{@code {%}) is off, and so is everything that would turn a
 * string into a template or read one ({@code render}, Jinjava's {@code striptags}, {@code include},
 * {@code import}, {@code from}, {@code extends}; {@code striptags} is Jinja's instead). Each render
 * spends a {@link RenderBudget} of {@link RenderLimits}: wall time, loop iterations, output size.
 *
 * <p>Thread-safe: one instance serves every model. A node tree is read-only once parsed; each
 * render has its own interpreter and context.
 */
public final class ChatTemplateRenderer {

  /** Jinjava's filter that renders a string as a template. */
  private static final Map<Context.Library, Set<String>> DISABLED =
      Map.of(Context.Library.FILTER, Set.of("render"));

  /** Jinjava's tags that read a template from the class path. */
  private static final List<String> UNAVAILABLE_TAGS =
      List.of("include", "import", "from", "extends");

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

  /** Parsed templates kept at most: a service has a handful (a model's named templates). */
  private static final int MAX_PARSED = 64;

  private final Jinjava jinjava;
  private final JinjavaConfig config;
  private final Map<String, Optional<Node>> parsed = new ConcurrentHashMap<>();

  private final boolean reuseParsed;
  private final RenderLimits limits;

  /** A renderer with the {@link RenderLimits#DEFAULT default limits}. */
  public ChatTemplateRenderer() {
    this(RenderLimits.DEFAULT);
  }

  public ChatTemplateRenderer(RenderLimits limits) {
    this(limits, true);
  }

  /** See {@link #ChatTemplateRenderer(RenderLimits, boolean)}, with the default limits. */
  ChatTemplateRenderer(boolean reuseParsed) {
    this(RenderLimits.DEFAULT, reuseParsed);
  }

  /**
   * @param reuseParsed false: parse the source on each call, as Jinjava's {@code renderForResult}
   *     does (the reference the tests compare the parsed trees' output with)
   */
  ChatTemplateRenderer(RenderLimits limits, boolean reuseParsed) {
    this.reuseParsed = reuseParsed;
    this.limits = limits;
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PythonStringMethods());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    JinjavaConfig config =
        JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            // Jinja's lstrip_blocks is done on the source (LstripBlocks): Jinjava's strips the
            // spaces before a block tag anywhere on a line
            .withLstripBlocks(false)
            .withLegacyOverrides(JINJA_COMPATIBLE)
            .withElResolver(resolver)
            .withFailOnUnknownTokens(false)
            .withNestedInterpretationEnabled(false)
            .withDisabled(DISABLED)
            .withMaxOutputSize(limits.maxOutputSize())
            .withMaxStringLength(limits.maxOutputSize())
            .build();
    this.config = config;
    // every interpreter's expression resolver takes its factory from getExpressionFactory()
    JinjaExpressionFactory expressions = new JinjaExpressionFactory();
    jinjava =
        new Jinjava(config) {
          @Override
          public ExpressionFactory getExpressionFactory() {
            return expressions;
          }
        };
    var globals = jinjava.getGlobalContext();
    globals.registerFunction(
        new ELFunctionDefinition(
            "", "raise_exception", TemplateFunctions.class, "raiseException", String.class));
    globals.registerFunction(
        new ELFunctionDefinition(
            "", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
    globals.registerFilter(new TemplateFunctions.ToJson());
    globals.registerFilter(new TemplateFunctions.StripTags());
    globals.registerFilter(new TemplateFunctions.Trim());
    globals.registerTag(new GenerationTag());
    UNAVAILABLE_TAGS.forEach(tag -> globals.registerTag(new UnavailableTag(tag)));
  }

  /**
   * Renders {@code template} with {@code variables} ({@code messages}, {@code
   * add_generation_prompt}, {@code bos_token}…). Messages given as {@link TemplateMessage}s are
   * named in the error of a render that fails.
   *
   * @throws TemplateLimitException when the render passes one of its limits or is interrupted
   * @throws ChatTemplateException when the template raises or cannot be rendered
   */
  public String render(String template, Map<String, Object> variables) {
    return render(template, variables, null);
  }

  /**
   * Renders as {@link #render(String, Map)}, writing {@code marks} where the template's loop
   * iterations over the messages ({@link TemplateMessage}s) begin and end (see {@link
   * MessageMarks}); a template whose parse reported anything is rendered without them.
   */
  public String render(String template, Map<String, Object> variables, MessageMarks marks) {
    Optional<Node> root = root(template);
    Context context = new Context(jinjava.getGlobalContextCopy(), variables, config.getDisabled());
    BudgetedInterpreter interpreter =
        new BudgetedInterpreter(jinjava, context, config, new RenderBudget(limits), marks);
    RenderResult result = render(interpreter, root, template);
    TemplateLimitException exceeded = interpreter.budget().exceeded();
    if (exceeded != null) {
      throw exceeded;
    }
    for (TemplateError error : result.getErrors()) {
      if (error.getSeverity() != TemplateError.ErrorType.FATAL) {
        continue;
      }
      if (error.getReason() == TemplateError.ErrorReason.OUTPUT_TOO_BIG) {
        throw new TemplateLimitException(
            "the rendered chat template is longer than the limit of "
                + limits.maxOutputSize()
                + " UTF-8 bytes");
      }
      String raised = raisedMessage(error.getException());
      throw new ChatTemplateException(
          raised != null ? raised : "chat template error: " + error.getMessage(),
          interpreter.messageIndex());
    }
    return result.getOutput();
  }

  /**
   * Whether a render of {@code template} with {@link MessageMarks} writes them: false for a
   * template whose parse reported anything, which is rendered from its source.
   */
  public boolean writesMarks(String template) {
    return root(template).isPresent();
  }

  private Optional<Node> root(String template) {
    Optional<Node> root = reuseParsed ? parsed.get(template) : Optional.empty();
    if (root == null) {
      root = parse(template);
      if (parsed.size() < MAX_PARSED) {
        parsed.putIfAbsent(template, root);
      }
    }
    return root;
  }

  /** The template's node tree; empty when its parse reported anything (then it is not reused). */
  private Optional<Node> parse(String template) {
    JinjavaInterpreter interpreter = jinjava.newInterpreter();
    JinjavaInterpreter.pushCurrent(interpreter);
    try {
      Node root = interpreter.parse(TemplateSource.toJinjava(template));
      if (!interpreter.getErrorsCopy().isEmpty()) {
        return Optional.empty();
      }
      MessageMarkNode.addToLoops(root);
      return Optional.of(root);
    } catch (RuntimeException e) {
      return Optional.empty();
    } finally {
      JinjavaInterpreter.popCurrent();
    }
  }

  /**
   * Renders a parsed template, or the source when its parse reported anything, as {@link
   * Jinjava#renderForResult(String, Map)} renders a source: a fresh context over a copy of the
   * global one, a fresh interpreter, its exceptions as errors.
   */
  private RenderResult render(JinjavaInterpreter interpreter, Optional<Node> root, String source) {
    JinjavaInterpreter.pushCurrent(interpreter);
    try {
      String output =
          root.isPresent()
              ? interpreter.render(root.get())
              : interpreter.render(TemplateSource.toJinjava(source));
      return new RenderResult(output, interpreter.getContext(), interpreter.getErrorsCopy());
    } catch (TemplateSyntaxException e) {
      return failed(TemplateError.fromException(e), interpreter);
    } catch (InterpretException e) {
      return failed(TemplateError.fromSyntaxError(e), interpreter);
    } catch (InvalidArgumentException e) {
      return failed(TemplateError.fromInvalidArgumentException(e), interpreter);
    } catch (InvalidInputException e) {
      return failed(TemplateError.fromInvalidInputException(e), interpreter);
    } catch (Exception e) {
      return failed(TemplateError.fromException(e), interpreter);
    } catch (StackOverflowError e) {
      // values nested deeper than the stack allows (the request parser bounds their depth)
      return failed(
          TemplateError.fromException(new IllegalStateException("values nested too deeply")),
          interpreter);
    } finally {
      JinjavaInterpreter.popCurrent();
    }
  }

  private static RenderResult failed(TemplateError error, JinjavaInterpreter interpreter) {
    return new RenderResult(error, interpreter.getContext(), interpreter.getErrorsCopy());
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
