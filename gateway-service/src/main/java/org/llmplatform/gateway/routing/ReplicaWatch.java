package org.llmplatform.gateway.routing;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.llmplatform.gateway.GatewayProperties;
import org.llmplatform.gateway.client.Downstreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Keeps each model's replica set current, every {@code llm.gateway.routing.refresh}: a model
 * configured by DNS name gets the addresses it resolves to now (a Kubernetes headless Service: a
 * new pod joins, a deleted one leaves), and every replica of a model with several is asked whether
 * it is ready (a draining one says no and gets no new work). A model with one fixed instance is
 * left alone, as before replicas existed.
 */
@Component
public class ReplicaWatch implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(ReplicaWatch.class);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

  private final Map<String, GatewayProperties.Model> models;
  private final Downstreams downstreams;
  private final Disposable watching;

  ReplicaWatch(GatewayProperties properties, Downstreams downstreams) {
    this.models = properties.models();
    this.downstreams = downstreams;
    models.forEach(
        (name, model) -> {
          if (model.replicasDns() != null) {
            downstreams.inference(name).update(resolve(model.replicasDns()));
          }
        });
    var refresh = properties.routing().refresh();
    this.watching =
        Flux.interval(refresh, refresh, Schedulers.boundedElastic())
            .onBackpressureDrop()
            .concatMap(tick -> refresh().onErrorResume(e -> Mono.empty()), 1)
            .subscribe();
  }

  /** One round: DNS names resolved again, then every watched replica probed. */
  Mono<Void> refresh() {
    var probes = new ArrayList<Mono<Void>>();
    models.forEach(
        (name, model) -> {
          ReplicaSet set = downstreams.inference(name);
          if (model.replicasDns() != null) {
            set.update(resolve(model.replicasDns()));
          }
          if (model.staticReplicas().size() == 1) {
            return;
          }
          for (Replica replica : set.replicas()) {
            probes.add(
                replica
                    .client()
                    .ready(PROBE_TIMEOUT)
                    .doOnNext(
                        ready -> {
                          if (replica.markReady(ready) != ready) {
                            log.info(
                                "replica {} of {}: {}",
                                replica,
                                name,
                                ready ? "ready" : "not ready");
                          }
                        })
                    .then());
          }
        });
    return Flux.merge(probes).then();
  }

  /** The base URLs of every address {@code url}'s host resolves to (empty when it does not). */
  static List<URI> resolve(URI url) {
    try {
      var out = new ArrayList<URI>();
      for (InetAddress address : InetAddress.getAllByName(url.getHost())) {
        String host = address.getHostAddress();
        if (host.contains(":")) {
          host = "[" + host + "]";
        }
        String port = url.getPort() < 0 ? "" : ":" + url.getPort();
        out.add(URI.create(url.getScheme() + "://" + host + port));
      }
      out.sort(null);
      return out;
    } catch (UnknownHostException e) {
      log.warn("replicas of {}: cannot resolve {}: {}", url, url.getHost(), e.getMessage());
      return List.of();
    }
  }

  @Override
  public void destroy() {
    watching.dispose();
  }
}
