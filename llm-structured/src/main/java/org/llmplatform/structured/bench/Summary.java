package org.llmplatform.structured.bench;

import java.util.Arrays;

/** Totals over all files: counts by status, TBM percentiles over every token, TTFM median. */
final class Summary {
  private int schemas;
  private final int[] byStatus = new int[FileResult.Status.values().length];
  private long[] tbm = new long[1024];
  private int tbmCount;
  private long[] ttfm = new long[64];
  private int ttfmCount;

  void add(FileResult r) {
    schemas++;
    byStatus[r.status().ordinal()]++;
    if (r.ttfmNanos() >= 0) {
      if (ttfmCount == ttfm.length) {
        ttfm = Arrays.copyOf(ttfm, ttfmCount * 2);
      }
      ttfm[ttfmCount++] = r.ttfmNanos();
    }
    for (long t : r.tbmNanos()) {
      if (tbmCount == tbm.length) {
        tbm = Arrays.copyOf(tbm, tbmCount * 2);
      }
      tbm[tbmCount++] = t;
    }
  }

  String toJson() {
    long[] sortedTbm = Arrays.copyOf(tbm, tbmCount);
    Arrays.sort(sortedTbm);
    long[] sortedTtfm = Arrays.copyOf(ttfm, ttfmCount);
    Arrays.sort(sortedTtfm);
    return "{\"schemas\": "
        + schemas
        + ", \"passing\": "
        + byStatus[FileResult.Status.PASSING.ordinal()]
        + ", \"compile_error\": "
        + byStatus[FileResult.Status.COMPILE_ERROR.ordinal()]
        + ", \"validation_error\": "
        + byStatus[FileResult.Status.VALIDATION_ERROR.ordinal()]
        + ", \"timeout\": "
        + byStatus[FileResult.Status.TIMEOUT.ordinal()]
        + ", \"tbm_p50_us\": "
        + micros(percentile(sortedTbm, 0.50))
        + ", \"tbm_p99_us\": "
        + micros(percentile(sortedTbm, 0.99))
        + ", \"ttfm_p50_us\": "
        + micros(percentile(sortedTtfm, 0.50))
        + "}";
  }

  /** The value at quantile q of sorted values (nearest rank), -1 when empty. */
  static long percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return -1;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** Nanoseconds as microseconds with one decimal; null when absent. */
  static String micros(long nanos) {
    return nanos < 0 ? "null" : String.format(java.util.Locale.ROOT, "%.1f", nanos / 1000.0);
  }
}
