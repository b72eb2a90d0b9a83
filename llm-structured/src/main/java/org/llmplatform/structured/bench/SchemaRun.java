package org.llmplatform.structured.bench;

import java.util.List;
import org.llmplatform.structured.grammar.Grammar;
import org.llmplatform.structured.grammar.Matcher;
import org.llmplatform.structured.schema.SchemaCompiler;
import org.llmplatform.structured.schema.UnsupportedSchemaException;
import org.llmplatform.structured.vocab.Vocabulary;

/** One schema through the protocol: compile, then mask and commit each token of each test. */
final class SchemaRun {
  private final Vocabulary vocabulary;
  private final SchemaFile file;
  private final List<int[]> tokens; // per test, the instance's token ids
  private volatile boolean cancelled;

  SchemaRun(Vocabulary vocabulary, SchemaFile file, List<int[]> tokens) {
    this.vocabulary = vocabulary;
    this.file = file;
    this.tokens = tokens;
  }

  void cancel() {
    cancelled = true;
  }

  FileResult call() {
    long start = System.nanoTime();
    Grammar grammar;
    try {
      grammar = SchemaCompiler.compile(file.schema());
    } catch (UnsupportedSchemaException e) {
      System.err.println(file.name() + ": compile_error: " + e.getMessage());
      return FileResult.compileError(file);
    } catch (RuntimeException | StackOverflowError e) {
      System.err.println(file.name() + ": compile failure: " + e);
      return FileResult.compileError(file);
    }
    Matcher first = grammar.matcher(vocabulary);
    long[] mask = new long[first.maskWords()];
    first.fillMask(mask);
    long ttfm = System.nanoTime() - start;
    long[] tbm = new long[64];
    int samples = 0;
    boolean mismatch = false;
    for (int i = 0; i < tokens.size() && !cancelled; i++) {
      SchemaFile.Instance test = file.tests().get(i);
      Matcher m = grammar.matcher(vocabulary);
      boolean accepted = true;
      int position = 0;
      for (int token : tokens.get(i)) {
        if (cancelled) {
          break;
        }
        long t0 = System.nanoTime();
        m.fillMask(mask);
        boolean allowed = (mask[token >>> 6] & (1L << token)) != 0;
        boolean committed = allowed && m.commit(token);
        long dt = System.nanoTime() - t0;
        if (samples == tbm.length) {
          tbm = java.util.Arrays.copyOf(tbm, samples * 2);
        }
        tbm[samples++] = dt;
        if (allowed != committed) {
          System.err.println(
              file.name() + ": mask allowed token " + token + " that commit refused");
        }
        if (!committed) {
          accepted = false;
          break;
        }
        position++;
      }
      accepted &= m.isAccepting();
      if (accepted != test.valid()) {
        mismatch = true;
        System.err.println(
            file.name()
                + ": validation_error: test "
                + i
                + (test.valid()
                    ? " valid, rejected at token " + position + ": "
                    : " invalid, accepted: ")
                + abbreviate(prefix(tokens.get(i), position))
                + " <|> "
                + abbreviate(test.text()));
      }
    }
    return FileResult.measured(file, mismatch, ttfm, java.util.Arrays.copyOf(tbm, samples));
  }

  private String prefix(int[] ids, int n) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int k = Math.max(0, n - 12); k < Math.min(n + 1, ids.length); k++) {
      byte[] b = vocabulary.bytes(ids[k]);
      if (b != null) {
        out.writeBytes(b);
      }
      if (k == n - 1) {
        out.writeBytes("|".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }
}
