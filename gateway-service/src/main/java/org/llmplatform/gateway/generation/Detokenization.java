package org.llmplatform.gateway.generation;

import java.util.ArrayList;
import java.util.List;
import org.llmplatform.api.tokenizer.StreamingDetokenizer;
import org.llmplatform.gateway.client.InferenceClient.GenerateEvent;
import org.llmplatform.gateway.generation.GenerationEvent.Finished;
import org.llmplatform.gateway.generation.GenerationEvent.TextDelta;
import org.llmplatform.gateway.generation.GenerationEvent.TokenLogprob;
import org.llmplatform.gateway.model.ServedModel;
import org.llmplatform.gateway.model.TokenDecoder;
import org.springframework.stereotype.Component;

/**
 * The detokenize hop, in-process: feeds each token to a {@link StreamingDetokenizer} over the
 * model's own decode and emits text as soon as it is final. A character split across tokens is held
 * back until it is complete, and the pieces concatenate to the one-shot decode (SentencePiece's
 * leading space and the tokenizer's space clean-up included). Each text delta carries the tokens it
 * came from.
 */
@Component
public class Detokenization {

  /** A detokenizer for one choice of a generation, fed its events one by one. */
  public ChoiceText start(ServedModel model, int promptTokens, boolean withLogprobs) {
    return new ChoiceText(model.decoder(), promptTokens, withLogprobs);
  }

  /** One choice's detokenizer and the tokens of the text it holds back. */
  public static final class ChoiceText {

    private final TokenDecoder decoder;
    private final StreamingDetokenizer detokenizer;
    private final int promptTokens;
    private final boolean withLogprobs;
    private final List<TokenLogprob> held = new ArrayList<>();
    private int generated;

    private ChoiceText(TokenDecoder decoder, int promptTokens, boolean withLogprobs) {
      this.decoder = decoder;
      this.detokenizer = decoder.stream();
      this.promptTokens = promptTokens;
      this.withLogprobs = withLogprobs;
    }

    /** The text that became final with this event (and the finish, for a finish event). */
    public List<GenerationEvent> next(GenerateEvent event) {
      if (event.tokenId() != null) {
        generated++;
        held.add(logprob(event));
        return delta(detokenizer.add(event.tokenId()));
      }
      var out = new ArrayList<GenerationEvent>(delta(detokenizer.finish()));
      int completion = event.usage() != null ? event.usage().completionTokens() : generated;
      String reason = "length".equals(event.finishReason()) ? "length" : "stop";
      out.add(new Finished(reason, promptTokens, completion));
      return out;
    }

    private List<GenerationEvent> delta(String text) {
      if (text.isEmpty()) {
        return List.of();
      }
      var delta = new TextDelta(text, held);
      held.clear();
      return List.of(delta);
    }

    private TokenLogprob logprob(GenerateEvent event) {
      if (!withLogprobs) {
        return new TokenLogprob(event.tokenId(), null, null, null);
      }
      var top = new ArrayList<TokenLogprob>();
      if (event.topLogprobs() != null) {
        for (var alternative : event.topLogprobs()) {
          top.add(
              new TokenLogprob(
                  alternative.tokenId(), text(alternative.tokenId()), alternative.logprob(), null));
        }
      }
      return new TokenLogprob(event.tokenId(), text(event.tokenId()), event.logprob(), top);
    }

    private String text(int id) {
      return decoder.decode(List.of(id));
    }
  }
}
