package org.llmplatform.gateway.model;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmplatform.api.inference.ModelInfo;
import org.llmplatform.gateway.GatewayProperties;
import org.llmplatform.gateway.client.Downstreams;
import org.llmplatform.gateway.client.InferenceClient;
import org.llmplatform.gateway.error.ApiException;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The configured models, in order (the first is the default). Each model's shape is asked of its
 * inference-service on first use and cached; a failed lookup is not cached.
 */
@Component
public class ModelCatalog {

  private static final Duration INFO_TTL = Duration.ofMinutes(5);

  private final Map<String, Entry> models = new LinkedHashMap<>();
  private final String defaultModel;
  private final Instant created = Instant.now();

  private record Entry(String tokenizerModel, InferenceClient inference, Mono<ModelInfo> info) {}

  ModelCatalog(GatewayProperties properties, Downstreams downstreams) {
    properties
        .models()
        .forEach(
            (name, model) -> {
              InferenceClient inference = downstreams.inference(name);
              models.put(
                  name,
                  new Entry(
                      model.tokenizerModel(),
                      inference,
                      inference
                          .model()
                          .cache(info -> INFO_TTL, error -> Duration.ZERO, () -> Duration.ZERO)));
            });
    this.defaultModel = properties.defaultModel();
  }

  /** The public model names, default first. */
  public List<String> names() {
    var names = new java.util.ArrayList<String>();
    names.add(defaultModel);
    models.keySet().stream().filter(name -> !name.equals(defaultModel)).forEach(names::add);
    return List.copyOf(names);
  }

  public boolean contains(String name) {
    return models.containsKey(name);
  }

  /** When the gateway started: the {@code created} time of its models. */
  public Instant created() {
    return created;
  }

  /** Resolves a request's {@code model} (null: the default); 404 when unknown. */
  public Mono<ServedModel> resolve(String requested) {
    String name = requested == null || requested.isBlank() ? defaultModel : requested;
    Entry entry = models.get(name);
    if (entry == null) {
      return Mono.error(
          ApiException.notFound(
              "model_not_found", "model", "The model '" + name + "' does not exist"));
    }
    return entry
        .info()
        .map(info -> new ServedModel(name, entry.tokenizerModel(), entry.inference(), info));
  }
}
