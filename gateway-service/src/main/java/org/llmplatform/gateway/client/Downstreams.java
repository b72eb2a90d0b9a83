package org.llmplatform.gateway.client;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.netty.channel.ChannelOption;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.llmplatform.gateway.GatewayProperties;
import org.llmplatform.gateway.observability.RequestId;
import org.llmplatform.gateway.routing.Replica;
import org.llmplatform.gateway.routing.ReplicaSet;
import org.llmplatform.http.auth.InternalAccessProperties;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds one client per downstream, each with its own circuit breaker: the tokenizer, the sessions,
 * and an inference client per replica of each configured model. With {@code llm.internal.token}
 * set, every request to them carries it in {@code X-Internal-Token}.
 */
@Component
public class Downstreams implements DisposableBean {

  private static final int MAX_BODY_BYTES = 64 * 1024 * 1024;
  private static final int UNARY_CONNECTIONS = 64;

  private final ConnectionProvider connections;
  private final TokenizerClient tokenizer;
  private final SessionClient sessions;
  private final Map<String, ReplicaSet> inference = new LinkedHashMap<>();
  private final WebClient.Builder base;
  private final CircuitBreakerRegistry breakers;
  private final GatewayProperties.Resilience policy;
  private final JsonMapper json;

  public Downstreams(
      GatewayProperties properties,
      WebClient.Builder builder,
      CircuitBreakerRegistry breakers,
      JsonMapper json,
      InternalAccessProperties internal) {
    var policy = properties.resilience();
    // Reactor Netty's default pool allows 16 connections per downstream (2 × max(cores, 8)): with
    // one connection held per streaming generation, the 17th concurrent request would wait for a
    // stream to end. Every admitted generation (the bulkhead) gets its own connection.
    this.connections =
        ConnectionProvider.builder("llm-gateway")
            .maxConnections(policy.maxConcurrentGenerations() + UNARY_CONNECTIONS)
            .pendingAcquireTimeout(policy.connectTimeout())
            .build();
    HttpClient netty =
        HttpClient.create(connections)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) policy.connectTimeout().toMillis());
    WebClient.Builder base =
        builder
            .clone()
            .clientConnector(new ReactorClientHttpConnector(netty))
            .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(MAX_BODY_BYTES))
            .filter(RequestId.propagation());
    if (internal.hasToken()) {
      base.defaultHeader(InternalAccessProperties.HEADER, internal.token());
    }
    this.base = base;
    this.breakers = breakers;
    this.policy = policy;
    this.json = json;
    this.tokenizer =
        new TokenizerClient(
            base.clone().baseUrl(properties.tokenizerUrl().toString()).build(),
            new Downstream("tokenizer-service", breakers, policy),
            json);
    this.sessions =
        new SessionClient(
            base.clone().baseUrl(properties.sessionUrl().toString()).build(),
            new Downstream("session-service", breakers, policy));
    properties
        .models()
        .forEach(
            (name, model) -> {
              // one instance retries itself; with several, a failure moves on to another at once
              boolean several = model.staticReplicas().size() != 1;
              inference.put(
                  name,
                  new ReplicaSet(
                      name,
                      properties.routing(),
                      model.staticReplicas(),
                      url -> replica(name, url, several)));
            });
  }

  private Replica replica(String model, URI url, boolean several) {
    String downstream = "inference-service:" + model + (several ? "@" + url.getAuthority() : "");
    return new Replica(
        url,
        new InferenceClient(
            base.clone().baseUrl(url.toString()).build(),
            new Downstream(downstream, breakers, several ? policy.withoutRetries() : policy),
            json));
  }

  public TokenizerClient tokenizer() {
    return tokenizer;
  }

  public SessionClient sessions() {
    return sessions;
  }

  /** The inference replicas of a configured model. */
  public ReplicaSet inference(String model) {
    ReplicaSet replicas = inference.get(model);
    if (replicas == null) {
      throw new IllegalArgumentException("no inference replicas for model " + model);
    }
    return replicas;
  }

  /**
   * Ends the replicas' KV-event streams as the gateway starts to stop: before the shared Netty
   * resources go, which would break the streams and have them reconnect during the shutdown.
   */
  @EventListener(ContextClosedEvent.class)
  void stopFollowingReplicas() {
    inference.values().forEach(ReplicaSet::close);
  }

  @Override
  public void destroy() {
    inference.values().forEach(ReplicaSet::close);
    connections.dispose();
  }
}
