package org.llmplatform.gateway.model;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.llmplatform.api.inference.ModelInfo;
import org.llmplatform.gateway.GatewayProperties;
import org.llmplatform.gateway.client.Downstreams;
import org.llmplatform.gateway.client.TokenizerClient;
import org.llmplatform.gateway.error.ApiException;
import org.llmplatform.gateway.routing.ReplicaSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The configured models, in order (the first is the default). Each model's shape is asked of its
 * inference-service on first use and cached for a while; its tokenizer's decode is loaded from
 * tokenizer-service on first use and kept (one per tokenizer model). A failed lookup is not cached.
 * Unless {@code llm.gateway.load-models-at-start-up} is false, both are asked for as soon as the
 * gateway is up, so that the first request does not wait for them.
 */
@Component
public class ModelCatalog implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(ModelCatalog.class);
  private static final Duration INFO_TTL = Duration.ofMinutes(5);
  private static final Duration FOREVER = Duration.ofMillis(Long.MAX_VALUE); // Reactor: no expiry

  private final Map<String, Entry> models = new LinkedHashMap<>();
  private final Map<String, Mono<TokenDecoder>> decoders = new ConcurrentHashMap<>();
  private final Map<String, TokenDecoder> loaded = new ConcurrentHashMap<>();
  private final TokenizerClient tokenizer;
  private final String defaultModel;
  private final boolean loadAtStartUp;
  private final Instant created = Instant.now();

  /**
   * @param toolCallFormat the configured tool-call format, or null: the template's
   */
  private record Entry(
      String tokenizerModel, ReplicaSet inference, Mono<ModelInfo> info, String toolCallFormat) {}

  /** Each tokenizer's tool-call format, as tokenizer-service read it off the chat template. */
  private final Map<String, String> templateToolCallFormats = new ConcurrentHashMap<>();

  ModelCatalog(GatewayProperties properties, Downstreams downstreams) {
    this.tokenizer = downstreams.tokenizer();
    properties
        .models()
        .forEach(
            (name, model) -> {
              ReplicaSet inference = downstreams.inference(name);
              models.put(
                  name,
                  new Entry(
                      model.tokenizerModel(),
                      inference,
                      Mono.defer(() -> inference.any().client().model())
                          .cache(info -> INFO_TTL, error -> Duration.ZERO, () -> Duration.ZERO),
                      model.toolCallFormat()));
              decoders.computeIfAbsent(model.tokenizerModel(), this::decoder);
            });
    this.defaultModel = properties.defaultModel();
    this.loadAtStartUp = properties.loadModelsAtStartUp();
  }

  /**
   * Resolves every model once, in the background, when the gateway is up: the native tokenizers
   * library and each tokenizer.json are loaded before the first request. A downstream that is not
   * up yet is only logged: the model is resolved again by its first request.
   */
  @EventListener(ApplicationReadyEvent.class)
  void loadAtStartUp() {
    if (!loadAtStartUp) {
      return;
    }
    for (String name : models.keySet()) {
      long start = System.nanoTime();
      resolve(name)
          .subscribe(
              model ->
                  log.info(
                      "model {} loaded at start-up in {} ms",
                      name,
                      (System.nanoTime() - start) / 1_000_000),
              error ->
                  log.info(
                      "model {} not loaded at start-up, its first request will: {}",
                      name,
                      error.getMessage()));
    }
  }

  /** The public model names, default first. */
  public List<String> names() {
    var names = new ArrayList<String>();
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
    // one after the other (both are cached after the first request), so that with several
    // downstreams down the error names the same one every time: inference-service first
    return entry
        .info()
        .flatMap(
            info ->
                decoders
                    .get(entry.tokenizerModel())
                    .map(
                        decoder ->
                            new ServedModel(
                                name,
                                entry.tokenizerModel(),
                                entry.inference(),
                                info,
                                decoder,
                                toolCallFormat(entry))));
  }

  private String toolCallFormat(Entry entry) {
    if (entry.toolCallFormat() != null) {
      return "none".equals(entry.toolCallFormat()) ? null : entry.toolCallFormat();
    }
    return templateToolCallFormats.get(entry.tokenizerModel());
  }

  /**
   * Fetches the tokenizer once (tokenizer.json and its clean-up flag) and loads it off the loop.
   */
  private Mono<TokenDecoder> decoder(String tokenizerModel) {
    return tokenizer
        .tokenizerJson(tokenizerModel)
        .zipWith(tokenizer.info(tokenizerModel))
        .publishOn(Schedulers.boundedElastic())
        .map(
            json -> {
              try {
                TokenDecoder decoder =
                    TokenDecoder.load(
                        json.getT1(),
                        json.getT2().cleanUpTokenizationSpaces(),
                        json.getT2().vocabSize());
                loaded.put(tokenizerModel, decoder);
                if (json.getT2().toolCallFormat() != null) {
                  templateToolCallFormats.put(tokenizerModel, json.getT2().toolCallFormat());
                }
                return decoder;
              } catch (IOException | RuntimeException e) {
                throw ApiException.unavailable(
                    "tokenizer-service", "cannot load the tokenizer of " + tokenizerModel, e);
              }
            })
        .cache(decoder -> FOREVER, e -> Duration.ZERO, () -> Duration.ZERO);
  }

  @Override
  public void destroy() {
    loaded.values().forEach(TokenDecoder::close);
  }
}
