package org.llmplatform.session.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.llmplatform.api.session.NewMessage;
import org.llmplatform.api.session.ToolCall;

/**
 * What identifies the request an append records, so that a replayed idempotency key can be told
 * apart from a key reused for another request: the appender's {@code request_hash}, else a SHA-256
 * of the messages' roles, contents, names, tool calls and tool call ids (not token counts: a retry
 * may count its messages again, with another render).
 *
 * <p>The hash of a message with only a role and content is the same as before the other fields
 * existed (length-prefixed role and content), so keys recorded by an older version still replay.
 * The other fields follow a marker byte that no length prefix starts with, so no two different
 * lists of messages hash the same bytes.
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
      optional(sha256, message.content());
      if (message.name() != null
          || !message.toolCalls().isEmpty()
          || message.toolCallId() != null) {
        sha256.update((byte) '+');
        optional(sha256, message.name());
        optional(sha256, message.toolCallId());
        field(sha256, Integer.toString(message.toolCalls().size()));
        for (ToolCall call : message.toolCalls()) {
          field(sha256, call.id());
          field(sha256, call.type());
          field(sha256, call.function().name());
          field(sha256, call.function().arguments());
        }
      }
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

  /** A field, or a marker byte for null (no length prefix starts with it). */
  private static void optional(MessageDigest digest, String value) {
    if (value == null) {
      digest.update((byte) '~');
    } else {
      field(digest, value);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JDK", e);
    }
  }
}
