package org.llmplatform.gateway.chat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.generation.SamplingParams;
import org.llmplatform.gateway.message.ChatMessage;
import tools.jackson.databind.json.JsonMapper;

/**
 * What makes a session turn idempotent: the key its append carries and the hash of the request it
 * answers. The key is the client's {@code Idempotency-Key} header, else a random one (then only the
 * gateway's own retries of the append share it; the response's {@code Idempotency-Key} header tells
 * the client which key to retry with). Never the request id: proxies and SDK retries reuse those,
 * which made turns vanish. A request without a session appends nothing: no key is made up for it
 * and no hash computed (a malformed header is still refused).
 *
 * @param value the key, scoped by session-service to the tenant's session; null without a session
 *     and a header
 * @param fromClient true when the client sent it (then a stored turn is answered again on retry)
 * @param requestHash null without a session, else SHA-256 of what the client asked (model as named,
 *     session, messages, sampling, output format, tools, n), so that the same key with another
 *     request is refused rather than silently replayed
 */
record TurnKey(String value, boolean fromClient, String requestHash) {

  /** The request header, as OpenAI and Stripe name it. */
  static final String HEADER = "Idempotency-Key";

  private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9_.:~+=@-]{1,128}");

  static TurnKey of(String header, ChatCompletionRequest request, JsonMapper json) {
    if (header != null && !WELL_FORMED.matcher(header).matches()) {
      throw ApiException.invalidRequest(
          HEADER, HEADER + " must be 1 to 128 characters of A-Z a-z 0-9 _ . : ~ + = @ -");
    }
    boolean fromClient = header != null;
    if (request.sessionId() == null) {
      return new TurnKey(header, fromClient, null); // no turn to store: nothing to hash
    }
    String value = fromClient ? header : "gw-" + UUID.randomUUID();
    return new TurnKey(value, fromClient, hash(request, json));
  }

  private static String hash(ChatCompletionRequest request, JsonMapper json) {
    var messages = new ArrayList<List<Object>>();
    for (ChatMessage message : request.messages()) {
      messages.add(
          java.util.Arrays.asList(
              message.role(),
              message.content(),
              message.name(),
              message.toolCalls(),
              message.toolCallId()));
    }
    SamplingParams sampling = request.sampling();
    // a sorted map: the same logit_bias always serialises the same way
    var bias = sampling.logitBias() == null ? null : new TreeMap<>(sampling.logitBias());
    var fields = new ArrayList<Object>();
    fields.add(request.model());
    fields.add(request.sessionId());
    fields.add(messages);
    fields.add(
        java.util.Arrays.asList(
            sampling.maxTokens(),
            sampling.temperature(),
            sampling.topP(),
            sampling.topK(),
            sampling.minP(),
            sampling.repetitionPenalty(),
            sampling.presencePenalty(),
            sampling.frequencyPenalty(),
            bias,
            sampling.seed(),
            sampling.logprobs(),
            sampling.numBeams(),
            sampling.stop(),
            sampling.output() == null ? null : sampling.output().constraint(),
            sampling.ignoreEos()));
    fields.add(java.util.Arrays.asList(request.tools(), request.toolChoice(), request.choices()));
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(json.writeValueAsString(fields).getBytes(StandardCharsets.UTF_8));
      return "chat:" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JDK", e);
    }
  }
}
