package org.llmplatform.gateway.generation;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.gateway.generation.GenerationEvent.Finished;
import org.llmplatform.gateway.generation.GenerationEvent.TextDelta;
import org.llmplatform.gateway.generation.GenerationEvent.TokenLogprob;
import org.llmplatform.gateway.generation.GenerationEvent.ToolCalled;

/**
 * The stop-string hop: finds the client's stop strings in the text even when one spans several
 * deltas (tokens), holds back any tail that could be the start of one, and on a match emits the
 * text before it and finishes with {@code stop}. Once every choice finished, {@link Answers}
 * cancels the generation request, which frees its inference slot.
 */
public final class StopStrings {

  private final List<String> stops;
  private final int promptTokens;
  private final StringBuilder held = new StringBuilder();
  private final List<TokenLogprob> heldTokens = new ArrayList<>();
  private int tokens;
  private boolean done;

  private StopStrings(List<String> stops, int promptTokens) {
    this.stops = stops;
    this.promptTokens = promptTokens;
  }

  /** A matcher for one choice's events, fed one by one through {@link #next}. */
  public static StopStrings of(List<String> stops, int promptTokens) {
    return new StopStrings(stops, promptTokens);
  }

  /** The events to emit for one upstream event; none once the choice finished. */
  public List<GenerationEvent> next(GenerationEvent event) {
    if (done) {
      return List.of();
    }
    return switch (event) {
      case TextDelta delta -> text(delta);
      case ToolCalled called -> List.of(called);
      case Finished finished -> {
        done = true;
        var out = new ArrayList<GenerationEvent>();
        if (!held.isEmpty()) {
          out.add(new TextDelta(held.toString(), heldTokens));
        }
        out.add(finished);
        yield out;
      }
    };
  }

  private List<GenerationEvent> text(TextDelta delta) {
    tokens += delta.tokens().size();
    held.append(delta.text());
    heldTokens.addAll(delta.tokens());
    int match = -1;
    for (String stop : stops) {
      int at = held.indexOf(stop);
      if (at >= 0 && (match < 0 || at < match)) {
        match = at;
      }
    }
    var out = new ArrayList<GenerationEvent>();
    if (match >= 0) {
      done = true;
      if (match > 0) {
        out.add(new TextDelta(held.substring(0, match), heldTokens));
      }
      out.add(new Finished("stop", promptTokens, tokens));
      return out;
    }
    int keep = longestStopPrefixAtEnd();
    if (held.length() > keep) {
      out.add(new TextDelta(held.substring(0, held.length() - keep), List.copyOf(heldTokens)));
      held.delete(0, held.length() - keep);
      heldTokens.clear();
    }
    return out;
  }

  /** Length of the longest end of the held text that is a proper prefix of a stop string. */
  private int longestStopPrefixAtEnd() {
    int best = 0;
    for (String stop : stops) {
      for (int n = Math.min(stop.length() - 1, held.length()); n > best; n--) {
        if (held.substring(held.length() - n).equals(stop.substring(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
