package org.llmplatform.structured.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.llmplatform.structured.vocab.Vocabulary;

/**
 * The MaskBench runner ({@code ./llm maskbench TOKENIZER_JSON FILE_OR_DIR...}): for each schema
 * file, compile, then for each test instance tokenize its Python serialization and, token by token,
 * compute the mask and commit; prints one JSON line per file and a summary line. Single threaded;
 * 60 s per schema.
 */
public final class MaskBench {
  static final long TIMEOUT_SECONDS = 60;

  private MaskBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: maskbench TOKENIZER_JSON FILE_OR_DIR...");
      System.exit(2);
    }
    Path tokenizerJson = Path.of(args[0]);
    Vocabulary vocabulary = Vocabulary.fromTokenizerJson(tokenizerJson);
    List<Path> files = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      Path p = Path.of(args[i]);
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.list(p)) {
          s.filter(f -> f.toString().endsWith(".json")).sorted().forEach(files::add);
        }
      } else {
        files.add(p);
      }
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    try (HuggingFaceTokenizer tokenizer =
        HuggingFaceTokenizer.newInstance(
            tokenizerJson,
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"))) {
      Summary summary = new Summary();
      ExecutorService worker = newWorker();
      for (Path file : files) {
        SchemaFile schemaFile;
        try {
          schemaFile = SchemaFile.read(file);
        } catch (RuntimeException e) {
          System.err.println(file + ": unreadable: " + e);
          continue;
        }
        List<int[]> tokens = new ArrayList<>();
        for (SchemaFile.Instance t : schemaFile.tests()) {
          tokens.add(toInts(tokenizer.encode(t.text(), false, false).getIds()));
        }
        SchemaRun run = new SchemaRun(vocabulary, schemaFile, tokens);
        Future<FileResult> future = worker.submit(run::call);
        FileResult result;
        try {
          result = future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          run.cancel();
          future.cancel(true);
          worker.shutdownNow();
          worker = newWorker();
          result = FileResult.timeout(schemaFile);
        }
        summary.add(result);
        out.println(result.toJson());
      }
      worker.shutdownNow();
      out.println(summary.toJson());
    }
  }

  private static ExecutorService newWorker() {
    return Executors.newSingleThreadExecutor(
        r -> {
          Thread t = new Thread(r, "maskbench");
          t.setDaemon(true);
          return t;
        });
  }

  private static int[] toInts(long[] ids) {
    return Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
  }
}
