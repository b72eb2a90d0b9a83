package org.llmplatform.structured.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.llmplatform.structured.grammar.Grammar;

/** Differential: the bound automata against BigDecimal comparisons on random values. */
class NumberRangesTest {
  private final Random random = new Random(18);

  @Test
  void integerBoundsMatchComparison() {
    for (int round = 0; round < 40; round++) {
      long lo = random.nextInt(2001) - 1000;
      long hi = lo + random.nextInt(3000);
      Grammar g = compile("{\"type\":\"integer\",\"minimum\":" + lo + ",\"maximum\":" + hi + "}");
      for (int i = 0; i < 200; i++) {
        long v = random.nextInt(6001) - 3000;
        assertThat(accepts(g, Long.toString(v)))
            .as("%d in [%d,%d]", v, lo, hi)
            .isEqualTo(v >= lo && v <= hi);
      }
    }
  }

  @Test
  void numberBoundsMatchComparison() {
    for (int round = 0; round < 40; round++) {
      int lo = random.nextInt(41) - 20;
      int hi = lo + random.nextInt(40);
      boolean exLo = random.nextBoolean();
      boolean exHi = random.nextBoolean();
      Grammar g =
          compile(
              "{\"type\":\"number\",\""
                  + (exLo ? "exclusiveMinimum" : "minimum")
                  + "\":"
                  + lo
                  + ",\""
                  + (exHi ? "exclusiveMaximum" : "maximum")
                  + "\":"
                  + hi
                  + "}");
      for (int i = 0; i < 200; i++) {
        BigDecimal v = BigDecimal.valueOf(random.nextInt(12001) - 6000, random.nextInt(3));
        int cl = v.compareTo(BigDecimal.valueOf(lo));
        int ch = v.compareTo(BigDecimal.valueOf(hi));
        boolean in = (exLo ? cl > 0 : cl >= 0) && (exHi ? ch < 0 : ch <= 0);
        assertThat(accepts(g, v.toPlainString())).as("%s in %d..%d", v, lo, hi).isEqualTo(in);
      }
    }
  }

  private static Grammar compile(String schema) {
    return SchemaCompiler.compile(schema);
  }

  private static boolean accepts(Grammar g, String text) {
    return g.accepts(text.getBytes(StandardCharsets.UTF_8));
  }
}
