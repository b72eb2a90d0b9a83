package org.llmplatform.inference.constraint;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.llmplatform.inference.sampling.TokenChoice;
import org.llmplatform.inference.sampling.TokenSelector;
import org.llmplatform.structured.grammar.Matcher;

/**
 * One sequence's way through a grammar, as the engine thread drives it one step at a time. The
 * grammar work runs on a mask worker: after a token is chosen, the worker commits it, takes the
 * tokens the grammar then forces ({@link Matcher#fastForward}) and computes the mask of the next
 * free choice, while the engine runs the model. At the next step the engine takes the forced tokens
 * one per step (fed to the model without sampling, so their KV is computed as for any token), then
 * masks the logits with that mask and samples.
 *
 * <p>The {@link Matcher} is touched only by the one pending worker task; a task is submitted after
 * the engine thread has joined the previous one, so each sees the last one's writes.
 */
public final class GuidedSequence {

  private static final int[] NONE = new int[0];

  private final RequestConstraint constraint;
  private Matcher matcher; // mask workers only, one task at a time
  private CompletableFuture<Step> pending; // the state for the next free choice
  private int[] forced = NONE; // engine thread: forced tokens not yet taken
  private int forcedAt;
  private String error;

  /**
   * What a worker computed after a commit.
   *
   * @param forced tokens the grammar forces next, already committed
   * @param mask the tokens allowed after them, bit t of word t / 64
   * @param error why the sequence cannot go on, or null
   */
  private record Step(int[] forced, long[] mask, String error) {}

  GuidedSequence(RequestConstraint constraint) {
    this.constraint = constraint;
    this.pending = CompletableFuture.supplyAsync(this::start, constraint.maskWorkers());
  }

  /** True when the next token can be chosen without waiting for a mask worker. */
  public boolean ready() {
    return forcedAt < forced.length || pending.isDone();
  }

  /**
   * The next token: one the grammar forces (logits unused; log-probability 0, the only token the
   * constraint allows), or one {@code selector} samples from {@code logits} after every token the
   * grammar does not allow was set to -inf. Waits for the mask when its worker is not done. Null
   * when the sequence cannot go on ({@link #error()}).
   *
   * @param logits [vocab] fp32, changed in place
   */
  public TokenChoice next(float[] logits, TokenSelector selector) {
    if (forcedAt < forced.length) {
      return forcedToken(selector);
    }
    Step step = await();
    if (step.error() != null) {
      error = step.error();
      return null;
    }
    if (step.forced().length > 0) {
      forced = step.forced();
      forcedAt = 0;
      pending = CompletableFuture.completedFuture(new Step(NONE, step.mask(), null));
      return forcedToken(selector);
    }
    if (!LogitsMask.apply(step.mask(), logits)) {
      error = "the constraint allows no token of the model's vocabulary here";
      return null;
    }
    TokenChoice choice = selector.next(logits);
    int token = choice.tokenId();
    if (!constraint.isStop(token)) {
      pending = CompletableFuture.supplyAsync(() -> after(token), constraint.maskWorkers());
    }
    return choice;
  }

  /** Why the sequence could not go on, after {@link #next} gave null. */
  public String error() {
    return error;
  }

  private TokenChoice forcedToken(TokenSelector selector) {
    int token = forced[forcedAt++];
    selector.append(token);
    constraint.metrics().fastForwarded().increment();
    Integer logprobs = constraint.logprobs();
    if (logprobs == null) {
      return new TokenChoice(token, Double.NaN, List.of());
    }
    List<TokenChoice.Alternative> top =
        logprobs > 0 ? List.of(new TokenChoice.Alternative(token, 0.0)) : List.of();
    return new TokenChoice(token, 0.0, top);
  }

  private Step await() {
    if (pending.isDone()) {
      return pending.join();
    }
    long start = System.nanoTime();
    Step step = pending.join();
    constraint.metrics().maskWait().record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    return step;
  }

  private Step start() {
    try {
      matcher = constraint.grammar().matcher(constraint.vocabulary());
      return nextStep();
    } catch (RuntimeException | StackOverflowError e) {
      return new Step(NONE, null, "the constraint failed: " + e);
    }
  }

  private Step after(int token) {
    try {
      if (!matcher.commit(token)) {
        return new Step(NONE, null, "token " + token + " does not match the constraint");
      }
      return nextStep();
    } catch (RuntimeException | StackOverflowError e) {
      return new Step(NONE, null, "the constraint failed: " + e);
    }
  }

  private Step nextStep() {
    int[] ff = matcher.fastForward();
    long[] mask = new long[matcher.maskWords()];
    matcher.fillMask(mask);
    constraint.restrictStops(mask, matcher.isAccepting());
    return new Step(ff, mask, null);
  }
}
