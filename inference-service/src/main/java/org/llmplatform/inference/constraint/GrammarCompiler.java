package org.llmplatform.inference.constraint;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.llmplatform.api.inference.OutputConstraint;
import org.llmplatform.inference.sampling.InvalidParameterException;
import org.llmplatform.inference.scheduler.OverloadedException;
import org.llmplatform.structured.automaton.AutomatonTooLargeException;
import org.llmplatform.structured.grammar.Grammar;
import org.llmplatform.structured.regex.RegexUnsupportedException;
import org.llmplatform.structured.regex.TextGrammars;
import org.llmplatform.structured.schema.SchemaCompiler;
import org.llmplatform.structured.schema.ToolCallFormat;
import org.llmplatform.structured.schema.ToolCallGrammar;
import org.llmplatform.structured.schema.UnsupportedSchemaException;
import org.llmplatform.structured.vocab.Vocabulary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiles clients' constraints to grammars on a bounded pool of its own (never on the event loop
 * or the engine thread), each bounded in size before and in time while it compiles, and keeps the
 * compiled grammars in an LRU keyed by (constraint, vocabulary). A constraint the grammar engine
 * refuses, or one that does not compile in time, is an {@link InvalidParameterException} naming the
 * field (HTTP 400); a full compile queue is an {@link OverloadedException} (429).
 */
final class GrammarCompiler implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(GrammarCompiler.class);

  private final Vocabulary vocabulary;
  private final ConstraintProperties limits;
  private final ConstraintMetrics metrics;
  private final ThreadPoolExecutor pool;
  // the compile of each constraint, running or done (refusals too: they are as deterministic)
  private final Map<Key, CompletableFuture<Grammar>> cache;

  private record Key(OutputConstraint constraint, Vocabulary vocabulary) {}

  GrammarCompiler(Vocabulary vocabulary, ConstraintProperties limits, ConstraintMetrics metrics) {
    this.vocabulary = vocabulary;
    this.limits = limits;
    this.metrics = metrics;
    this.pool =
        new ThreadPoolExecutor(
            limits.compileThreads(),
            limits.compileThreads(),
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(limits.compileQueue()),
            Thread.ofPlatform().name("llm-grammar-", 0).daemon().factory());
    int size = limits.grammarCacheSize();
    this.cache =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Key, CompletableFuture<Grammar>> eldest) {
            return size() > size;
          }
        };
  }

  /**
   * The grammar of {@code c}: from the cache, else compiled on the pool. The future fails with an
   * {@link InvalidParameterException} when the constraint is refused or times out. Throws at once
   * when the constraint is too large or the compile queue is full.
   */
  CompletableFuture<Grammar> compile(OutputConstraint c) {
    String param = param(c);
    long size = size(c);
    if (size > limits.maxSize()) {
      throw new InvalidParameterException(
          param, "%s has %d characters; the limit is %d".formatted(param, size, limits.maxSize()));
    }
    Key key = new Key(c, vocabulary);
    CompletableFuture<Grammar> compiled;
    synchronized (cache) {
      compiled = cache.get(key);
      if (compiled == null) {
        compiled = new CompletableFuture<>();
        submit(c, key, compiled);
        cache.put(key, compiled);
        metrics.cacheMisses().increment();
      } else {
        metrics.cacheHits().increment();
      }
    }
    long timeout = limits.compileTimeout().toMillis();
    return compiled
        .copy()
        .orTimeout(timeout, TimeUnit.MILLISECONDS)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(refusal(c, param, e, timeout)));
  }

  /**
   * Compiles {@code c} on the pool into {@code into}. At the compile timeout (queue time included)
   * a compile not done is stopped (its thread interrupted: the automaton constructions check at
   * each new state; or its place in the queue given up) and forgotten, so that one slow constraint
   * does not hold a compile thread from the ones behind it, and a later request compiles it afresh.
   */
  private void submit(OutputConstraint c, Key key, CompletableFuture<Grammar> into) {
    var task =
        new FutureTask<Void>(
            () -> {
              long start = System.nanoTime();
              try {
                Grammar g = build(c);
                if (g.isEmpty()) {
                  throw new IllegalArgumentException("no output can match the constraint");
                }
                into.complete(g);
              } catch (RuntimeException | StackOverflowError e) {
                into.completeExceptionally(e);
              } finally {
                metrics.compile().record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
              }
              return null;
            });
    try {
      pool.execute(task);
    } catch (RejectedExecutionException e) {
      throw new OverloadedException(limits.compileQueue());
    }
    CompletableFuture.delayedExecutor(limits.compileTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .execute(
            () -> {
              if (into.completeExceptionally(new TimeoutException())) {
                task.cancel(true);
                pool.remove(task);
                synchronized (cache) {
                  cache.remove(key, into);
                }
              }
            });
  }

  private static Grammar build(OutputConstraint c) {
    return switch (c.type()) {
      case OutputConstraint.JSON_SCHEMA -> SchemaCompiler.compile(c.schema());
      case OutputConstraint.JSON_OBJECT -> SchemaCompiler.jsonObject();
      case OutputConstraint.REGEX -> TextGrammars.regex(c.pattern());
      case OutputConstraint.CHOICE -> TextGrammars.choice(c.choices());
      case OutputConstraint.TOOL_CALLS -> toolCalls(c.toolCalls());
      default -> throw new IllegalArgumentException("unknown constraint type " + c.type());
    };
  }

  /** Calls in the model family's format, each matching the gateway's call schema. */
  private static Grammar toolCalls(OutputConstraint.ToolCalls t) {
    return ToolCallGrammar.compile(
        t.schema(), new ToolCallFormat(t.opener(), t.closer(), t.required(), t.parallel()));
  }

  /** The error a client gets for a constraint that failed to compile. */
  private static InvalidParameterException refusal(
      OutputConstraint c, String param, Throwable e, long timeoutMillis) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return switch (cause) {
      case InvalidParameterException p -> p;
      // names the keyword: "unsupported schema keyword 'if': ..."
      case UnsupportedSchemaException u -> new InvalidParameterException(param, u.getMessage());
      case RegexUnsupportedException r ->
          new InvalidParameterException(param, "unsupported regular expression: " + r.getMessage());
      case AutomatonTooLargeException a ->
          new InvalidParameterException(param, "the constraint is too large: " + a.getMessage());
      case TimeoutException t ->
          new InvalidParameterException(
              param, "the constraint did not compile within " + timeoutMillis + " ms");
      case StackOverflowError s ->
          new InvalidParameterException(param, "the constraint is nested too deeply");
      case IllegalArgumentException i -> new InvalidParameterException(param, i.getMessage());
      default -> {
        log.warn("Compiling a {} constraint failed", c.type(), cause);
        yield new InvalidParameterException(
            param, "the constraint could not be compiled: " + cause.getMessage());
      }
    };
  }

  /** The request field a constraint's refusal names. */
  private static String param(OutputConstraint c) {
    return switch (c.type()) {
      case OutputConstraint.JSON_SCHEMA -> "constraint.schema";
      case OutputConstraint.REGEX -> "constraint.pattern";
      case OutputConstraint.CHOICE -> "constraint.choices";
      case OutputConstraint.TOOL_CALLS -> "constraint.tool_calls.schema";
      default -> "constraint";
    };
  }

  private static long size(OutputConstraint c) {
    return switch (c.type()) {
      case OutputConstraint.JSON_SCHEMA -> c.schema().length();
      case OutputConstraint.REGEX -> c.pattern().length();
      case OutputConstraint.CHOICE -> c.choices().stream().mapToLong(s -> s.length() + 1).sum();
      case OutputConstraint.TOOL_CALLS ->
          c.toolCalls().schema().length()
              + c.toolCalls().opener().length()
              + c.toolCalls().closer().length();
      default -> 0;
    };
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
