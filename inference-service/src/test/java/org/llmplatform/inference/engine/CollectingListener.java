package org.llmplatform.inference.engine;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.llmplatform.inference.sampling.TokenChoice;

/** Records a request's output; {@link #await()} returns once it finished. */
class CollectingListener implements GenerationListener {

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
    return finish.get(60, TimeUnit.SECONDS);
  }

  int[] ids() {
    return tokens.stream().mapToInt(TokenChoice::tokenId).toArray();
  }
}
