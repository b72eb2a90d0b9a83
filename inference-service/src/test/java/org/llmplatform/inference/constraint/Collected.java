package org.llmplatform.inference.constraint;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.llmplatform.inference.engine.FinishReason;
import org.llmplatform.inference.engine.GenerationListener;
import org.llmplatform.inference.sampling.TokenChoice;
import org.llmplatform.structured.vocab.Vocabulary;

/** A request's output as the engine gives it; {@link #await()} once it finished. */
final class Collected implements GenerationListener {

  final List<TokenChoice> tokens = new CopyOnWriteArrayList<>();
  final CompletableFuture<FinishReason> finish = new CompletableFuture<>();
  volatile String error;

  @Override
  public void onToken(TokenChoice token) {
    tokens.add(token);
  }

  @Override
  public void onFinish(FinishReason reason, int promptTokens, int completionTokens, String error) {
    this.error = error;
    finish.complete(reason);
  }

  FinishReason await() throws Exception {
    return finish.get(120, TimeUnit.SECONDS);
  }

  int[] ids() {
    return tokens.stream().mapToInt(TokenChoice::tokenId).toArray();
  }

  /** The text the tokens spell in {@code vocabulary} (eos and other special tokens spell none). */
  String text(Vocabulary vocabulary) {
    var out = new ByteArrayOutputStream();
    for (int id : ids()) {
      byte[] b = vocabulary.bytes(id);
      if (b != null) {
        out.writeBytes(b);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
