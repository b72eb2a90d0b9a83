package org.llmplatform.session.store;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Random, unguessable ids: {@code sess_} + 128 random bits in base64url (22 characters). The DRBG
 * is seeded once; drawing from it does no I/O, so it is safe on an event-loop thread.
 */
final class SessionIds {

  private static final Pattern FORMAT = Pattern.compile("sess_[A-Za-z0-9_-]{22}");
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private final SecureRandom random;

  SessionIds() {
    try {
      random = SecureRandom.getInstance("DRBG");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no DRBG SecureRandom in this JDK", e);
    }
    random.nextBytes(new byte[16]); // seed now, at start-up, not on the first request
  }

  String next() {
    return "sess_" + token();
  }

  /** 128 random bits, base64url. */
  String token() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    return BASE64URL.encodeToString(bytes);
  }

  /** True when {@code id} could have been made here (anything else cannot exist). */
  static boolean isWellFormed(String id) {
    return id != null && FORMAT.matcher(id).matches();
  }
}
