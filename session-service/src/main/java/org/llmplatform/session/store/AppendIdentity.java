package org.llmplatform.session.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.NewMessage;

/**
 * What identifies the request an append records, so that a replayed idempotency key can be told
 * apart from a key reused for another request: the appender's {@code request_hash}, else a SHA-256
 * of the messages' roles and contents (token counts are estimates and may differ between retries).
 */
final class AppendIdentity {

  private AppendIdentity() {}

  static String requestHash(AppendMessagesRequest request) {
    if (request.requestHash() != null) {
      return request.requestHash();
    }
    MessageDigest sha256 = sha256();
    for (NewMessage message : request.messages()) {
      field(sha256, message.role());
      field(sha256, message.content());
    }
    return "m:" + HexFormat.of().formatHex(sha256.digest());
  }

  /** A length-prefixed field, so that no two different lists of fields hash the same bytes. */
  private static void field(MessageDigest digest, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    digest.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
    digest.update((byte) ':');
    digest.update(bytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JDK", e);
    }
  }
}
