package org.llmplatform.gateway;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Configuration of the gateway ({@code llm.gateway.*}).
 *
 * @param models the models that {@code /v1/models} lists and a request's {@code model} selects, by
 *     public name, in order; the first is the default. Without any, one model named {@code default}
 *     served by {@code http://127.0.0.1:8082}.
 * @param defaultModel the model used when a request names none (and listed first); defaults to the
 *     first of {@code models} (with properties from the command line or the environment, whose
 *     order Spring does not keep, set it explicitly)
 * @param tokenizerUrl base URL of tokenizer-service
 * @param sessionUrl base URL of session-service
 * @param apiKeys the accepted API keys (as SHA-256 hashes) with their tenant and rate limits
 * @param limits limits on what a request may ask for
 * @param resilience time limits, retries, circuit breakers and the generation bulkhead
 * @param loadModelsAtStartUp whether each model's shape and tokenizer (decode) are fetched and
 *     loaded as soon as the gateway is up, rather than by its first request (~1-4 s of native
 *     library and tokenizer.json load); a model whose downstream is not up yet is loaded on first
 *     use, as without it
 * @param cors which browser origins may call the API (CORS); none by default
 * @param routing how a request picks one of a model's inference replicas
 */
@Validated
@ConfigurationProperties("llm.gateway")
public record GatewayProperties(
    Map<String, @Valid Model> models,
    String defaultModel,
    @NotNull @DefaultValue("http://127.0.0.1:8081") URI tokenizerUrl,
    @NotNull @DefaultValue("http://127.0.0.1:8083") URI sessionUrl,
    List<@Valid ApiKey> apiKeys,
    @Valid @DefaultValue Limits limits,
    @Valid @DefaultValue Resilience resilience,
    @DefaultValue("true") boolean loadModelsAtStartUp,
    @Valid @DefaultValue Cors cors,
    @Valid @DefaultValue Routing routing) {

  /** The model name used when none is configured. */
  public static final String DEFAULT_MODEL = "default";

  public GatewayProperties {
    if (models == null || models.isEmpty()) {
      models =
          Map.of(
              DEFAULT_MODEL,
              new Model(URI.create("http://127.0.0.1:8082"), null, null, null, null));
    } else {
      var named = new LinkedHashMap<String, Model>();
      models.forEach(
          (name, model) ->
              named.put(
                  name,
                  new Model(
                      model.inferenceUrl(),
                      model.replicas(),
                      model.replicasDns(),
                      model.tokenizerModelOr(name),
                      model.toolCallFormat())));
      models = java.util.Collections.unmodifiableMap(named);
    }
    apiKeys = apiKeys == null ? List.of() : List.copyOf(apiKeys);
    if (defaultModel == null || defaultModel.isBlank()) {
      defaultModel = models.keySet().iterator().next();
    } else if (!models.containsKey(defaultModel)) {
      throw new IllegalArgumentException(
          "llm.gateway.default-model " + defaultModel + " is not one of " + models.keySet());
    }
  }

  /**
   * One served model.
   *
   * <p>Its inference-service replicas are one of: {@code inferenceUrl} (one instance), {@code
   * replicas} (a fixed list) or {@code replicasDns} (every address a DNS name resolves to, such as
   * a Kubernetes headless Service, resolved again every {@code llm.gateway.routing.refresh}).
   *
   * @param inferenceUrl base URL of the one inference-service instance that runs it
   * @param replicas base URLs of the inference-service instances that run it
   * @param replicasDns a base URL whose host name resolves to every instance
   * @param tokenizerModel the tokenizer-service model name to tokenize with (defaults to the
   *     model's own name)
   * @param toolCallFormat how the model writes tool calls: {@code hermes}, {@code llama3-json},
   *     {@code mistral} or {@code none}; null: as its chat template shows (tokenizer-service reads
   *     it off the template)
   */
  public record Model(
      URI inferenceUrl,
      List<URI> replicas,
      URI replicasDns,
      String tokenizerModel,
      @Pattern(regexp = "hermes|llama3-json|mistral|none") String toolCallFormat) {

    public Model {
      replicas = replicas == null ? List.of() : List.copyOf(replicas);
      int given = (inferenceUrl != null ? 1 : 0) + (replicas.isEmpty() ? 0 : 1);
      given += replicasDns != null ? 1 : 0;
      if (given != 1) {
        throw new IllegalArgumentException(
            "a model needs exactly one of inference-url, replicas and replicas-dns");
      }
    }

    /** The configured instances: the one URL or the list (empty with {@code replicasDns}). */
    public List<URI> staticReplicas() {
      return inferenceUrl != null ? List.of(inferenceUrl) : replicas;
    }

    String tokenizerModelOr(String name) {
      return tokenizerModel == null || tokenizerModel.isBlank() ? name : tokenizerModel;
    }
  }

  /**
   * One API key. The key itself is never configured, logged or stored: only its hash.
   *
   * @param sha256 hex SHA-256 of the key (64 hex digits, e.g. {@code echo -n $KEY | sha256sum})
   * @param tenant the tenant the key belongs to; sessions are owned by it
   * @param requestsPerMinute requests per minute allowed to this key (token bucket in Redis)
   * @param tokensPerMinute generated tokens per minute allowed to this key
   */
  public record ApiKey(
      @NotNull @Pattern(regexp = "[0-9a-fA-F]{64}") String sha256,
      @NotBlank String tenant,
      @Positive @DefaultValue("600") int requestsPerMinute,
      @Positive @DefaultValue("1000000") long tokensPerMinute) {}

  /**
   * Limits on a request.
   *
   * @param maxMessages most messages in one chat request
   * @param maxTokens largest {@code max_tokens} a request may ask for
   * @param maxStop most stop strings in one request
   * @param maxRequestBytes largest request body in bytes (larger bodies get 413)
   * @param maxChoices largest {@code n} (choices from one prompt, prefilled once)
   * @param maxPrompts most prompts in one completions request (answered one after the other)
   */
  public record Limits(
      @Positive @DefaultValue("256") int maxMessages,
      @Positive @DefaultValue("4096") int maxTokens,
      @Positive @DefaultValue("4") int maxStop,
      @Positive @DefaultValue("1048576") int maxRequestBytes,
      @Positive @DefaultValue("8") int maxChoices,
      @Positive @DefaultValue("16") int maxPrompts) {}

  /**
   * Resilience settings for every downstream call.
   *
   * @param connectTimeout time to open a connection to a downstream
   * @param callTimeout time limit of a unary downstream call (tokenize, session read and append)
   * @param firstTokenTimeout time limit from sending a generation request to its first event
   * @param tokenTimeout longest gap between two events of a generation stream
   * @param retries retries of a call that failed before any token was sent (0 disables)
   * @param retryBackoff first backoff between retries (doubles each time)
   * @param maxConcurrentGenerations generations in flight at once (bulkhead); more get 429
   * @param breakerFailureRate failure rate in percent that opens a downstream's circuit breaker
   * @param breakerMinimumCalls calls a breaker sees before it computes the failure rate
   * @param breakerOpenFor how long an open breaker refuses calls before it tries again
   */
  public record Resilience(
      @NotNull @DefaultValue("2s") Duration connectTimeout,
      @NotNull @DefaultValue("5s") Duration callTimeout,
      @NotNull @DefaultValue("30s") Duration firstTokenTimeout,
      @NotNull @DefaultValue("10s") Duration tokenTimeout,
      @DefaultValue("2") int retries,
      @NotNull @DefaultValue("100ms") Duration retryBackoff,
      @Positive @DefaultValue("256") int maxConcurrentGenerations,
      @Positive @DefaultValue("50") float breakerFailureRate,
      @Positive @DefaultValue("10") int breakerMinimumCalls,
      @NotNull @DefaultValue("5s") Duration breakerOpenFor) {

    /** The same policy without retries on the same downstream (a replica among several). */
    public Resilience withoutRetries() {
      return new Resilience(
          connectTimeout,
          callTimeout,
          firstTokenTimeout,
          tokenTimeout,
          0,
          retryBackoff,
          maxConcurrentGenerations,
          breakerFailureRate,
          breakerMinimumCalls,
          breakerOpenFor);
    }
  }

  /**
   * Cross-origin access from browser pages (CORS). Preflights are answered before authentication;
   * {@code Access-Control-Allow-Credentials} is never sent (the API key is a header, not a cookie).
   *
   * @param allowedOrigins the origins ({@code https://app.example.com}, scheme, host and port only)
   *     whose pages may call the API, or {@code *} alone for any page; none by default: no CORS
   *     headers on any answer, and every preflight is refused with 403
   * @param maxAge how long a browser may keep a preflight's answer ({@code Access-Control-Max-Age})
   */
  public record Cors(List<String> allowedOrigins, @NotNull @DefaultValue("30m") Duration maxAge) {

    /** The value of {@code allowed-origins} that allows every origin. */
    public static final String ANY_ORIGIN = "*";

    public Cors {
      allowedOrigins =
          allowedOrigins == null
              ? List.of()
              : allowedOrigins.stream()
                  .map(String::strip)
                  .map(
                      o ->
                          o.endsWith("/")
                              ? o.substring(0, o.length() - 1)
                              : o) // as browsers send it
                  .filter(o -> !o.isEmpty())
                  .toList();
      if (allowedOrigins.contains(ANY_ORIGIN) && allowedOrigins.size() > 1) {
        throw new IllegalArgumentException(
            "llm.gateway.cors.allowed-origins: '*' allows every origin; give it alone, not with "
                + allowedOrigins);
      }
      allowedOrigins.stream()
          .filter(origin -> !origin.equals(ANY_ORIGIN))
          .forEach(Cors::checkOrigin);
    }

    /** Whether CORS is on: some origin is allowed. */
    public boolean enabled() {
      return !allowedOrigins.isEmpty();
    }

    private static void checkOrigin(String origin) {
      URI uri;
      try {
        uri = new URI(origin);
      } catch (java.net.URISyntaxException e) {
        uri = null;
      }
      boolean valid =
          uri != null
              && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
              && uri.getHost() != null
              && uri.getRawUserInfo() == null
              && (uri.getRawPath() == null || uri.getRawPath().isEmpty())
              && uri.getRawQuery() == null
              && uri.getRawFragment() == null;
      if (!valid) {
        throw new IllegalArgumentException(
            "llm.gateway.cors.allowed-origins: '"
                + origin
                + "' is not an origin; give scheme, host and optional port only"
                + " (https://app.example.com, http://localhost:3000), or '*' alone");
      }
    }
  }

  /**
   * How the gateway spreads a model's requests over its replicas.
   *
   * @param policy {@code kv-aware} (the replica that already holds the longest prefix of the
   *     prompt, unless it is over its bounded load), {@code session-affinity} (consistent hashing
   *     with bounded loads on the session id, else on the prompt's first tokens), {@code
   *     least-loaded} or {@code round-robin}
   * @param loadFactor bounded loads: no replica is given a request while it has more than {@code
   *     loadFactor} × the mean in-flight requests (rounded up); the request goes to the next choice
   * @param blockTokens the prefix index's granularity: prompts are indexed every this many tokens
   *     (the replicas' KV-cache events must use the same, 16 in inference-service)
   * @param indexBlocks prefix blocks the index remembers (least recently used forgotten)
   * @param refresh how often replicas are checked for readiness and a DNS name resolved again
   * @param kvEvents kv-aware: follow each replica's KV-cache event stream ({@code
   *     /v1/internal/kv-events}: the prefix blocks its cache holds, and its load); false, or a
   *     replica without the stream: only where this gateway sent each prompt
   * @param routedTtl kv-aware with events: how long a prompt sent to a replica counts as cached
   *     there before the replica's own event says so (requests sharing a prefix that arrive
   *     meanwhile follow it: a session's next turn sent at once, as a tool result is, goes where
   *     the last turn ran rather than to a replica holding only a shared opening); a replica
   *     publishes a finished sequence within ~100 ms, so the default 2 s covers its event with a
   *     margin; 0 counts events only
   */
  public record Routing(
      @NotNull
          @DefaultValue("kv-aware")
          @Pattern(regexp = "kv-aware|session-affinity|least-loaded|round-robin")
          String policy,
      @DefaultValue("1.5") double loadFactor,
      @Positive @DefaultValue("16") int blockTokens,
      @Positive @DefaultValue("200000") int indexBlocks,
      @NotNull @DefaultValue("2s") Duration refresh,
      @DefaultValue("true") boolean kvEvents,
      @NotNull @DefaultValue("2s") Duration routedTtl) {

    public Routing {
      if (loadFactor < 1) {
        throw new IllegalArgumentException("llm.gateway.routing.load-factor must be at least 1");
      }
      if (routedTtl.isNegative()) {
        throw new IllegalArgumentException("llm.gateway.routing.routed-ttl must not be negative");
      }
    }
  }
}
