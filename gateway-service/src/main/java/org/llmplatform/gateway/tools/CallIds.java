package org.llmplatform.gateway.tools;

import java.security.SecureRandom;

/** Tool-call ids as OpenAI makes them: {@code call_} and 24 letters and digits. */
final class CallIds {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  String next() {
    var id = new StringBuilder("call_");
    for (int i = 0; i < 24; i++) {
      id.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return id.toString();
  }
}
