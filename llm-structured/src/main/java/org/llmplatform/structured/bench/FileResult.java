package org.llmplatform.structured.bench;

/** The outcome of one schema file; times in nanoseconds, printed in microseconds. */
record FileResult(
    String file, Status status, int validTests, int invalidTests, long ttfmNanos, long[] tbmNanos) {

  /** The benchmark's status of a schema. */
  enum Status {
    PASSING,
    COMPILE_ERROR,
    VALIDATION_ERROR,
    TIMEOUT;

    String json() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  static FileResult compileError(SchemaFile f) {
    return new FileResult(f.name(), Status.COMPILE_ERROR, valid(f), invalid(f), -1, new long[0]);
  }

  static FileResult timeout(SchemaFile f) {
    return new FileResult(f.name(), Status.TIMEOUT, valid(f), invalid(f), -1, new long[0]);
  }

  static FileResult measured(SchemaFile f, boolean mismatch, long ttfm, long[] tbm) {
    Status s = mismatch ? Status.VALIDATION_ERROR : Status.PASSING;
    return new FileResult(f.name(), s, valid(f), invalid(f), ttfm, tbm);
  }

  private static int valid(SchemaFile f) {
    return (int) f.tests().stream().filter(SchemaFile.Instance::valid).count();
  }

  private static int invalid(SchemaFile f) {
    return f.tests().size() - valid(f);
  }

  String toJson() {
    long[] sorted = tbmNanos.clone();
    java.util.Arrays.sort(sorted);
    return "{\"file\": \""
        + file.replace("\\", "\\\\").replace("\"", "\\\"")
        + "\", \"status\": \""
        + status.json()
        + "\", \"valid_tests\": "
        + validTests
        + ", \"invalid_tests\": "
        + invalidTests
        + ", \"ttfm_us\": "
        + Summary.micros(ttfmNanos)
        + ", \"tokens\": "
        + tbmNanos.length
        + ", \"tbm_p50_us\": "
        + Summary.micros(Summary.percentile(sorted, 0.50))
        + ", \"tbm_max_us\": "
        + Summary.micros(sorted.length == 0 ? -1 : sorted[sorted.length - 1])
        + "}";
  }
}
