package org.llmplatform.gateway;

import java.util.List;
import java.util.Random;

/**
 * Random text of the kind a model or a client can put in a message, for the fuzz tests: fewer than
 * {@code partsBelow} pieces, each one of {@code parts} (what the code under test must carry through
 * unchanged: line breaks, quotes, escapes, NUL, lone surrogates…) or, one time in {@code
 * codePointOneIn}, any code point from U+0001 to U+2FFFF (unpaired surrogates included). The same
 * seed gives the same text.
 */
public record HostileText(List<String> parts, int partsBelow, int codePointOneIn) {

  public HostileText {
    parts = List.copyOf(parts);
  }

  /** The next text drawn from {@code r}. */
  public String next(Random r) {
    var text = new StringBuilder();
    int n = r.nextInt(partsBelow);
    for (int i = 0; i < n; i++) {
      if (r.nextInt(codePointOneIn) == 0) {
        text.appendCodePoint(1 + r.nextInt(0x2FFFF));
      } else {
        text.append(parts.get(r.nextInt(parts.size())));
      }
    }
    return text.toString();
  }
}
