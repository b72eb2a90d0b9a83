package org.llmplatform.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.llmplatform.gateway.GatewayProperties;
import org.llmplatform.gateway.client.Downstreams;
import org.llmplatform.http.auth.InternalAccessProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The routing policies over a model's replicas, as {@link ReplicaSet#pick} applies them: where a
 * session, a prompt prefix or plain load sends a request, bounded loads, replicas that are down or
 * already tried, and a set that changes. Loads are set by hand ({@link Replica#began()}); nothing
 * is sent to the replicas' URLs.
 */
class RoutingTest {

  private static final List<String> URLS =
      List.of("http://10.0.0.1:8082", "http://10.0.0.2:8082", "http://10.0.0.3:8082");

  private Downstreams downstreams;

  @AfterEach
  void close() {
    if (downstreams != null) {
      downstreams.destroy();
    }
  }

  @Test
  void roundRobinTakesEachReplicaInTurn() {
    ReplicaSet set = replicas("round-robin");
    var counts = counts(set, i -> new RouteKey(null, prompt(i, 40)), 300);
    assertThat(counts.values()).containsOnly(100);
  }

  @Test
  void leastLoadedTakesTheReplicaWithTheFewestRequestsInFlight() {
    ReplicaSet set = replicas("least-loaded");
    List<Replica> r = set.replicas();
    load(r.get(0), 3);
    load(r.get(1), 1);
    load(r.get(2), 2);
    assertThat(set.pick(new RouteKey(null, prompt(1, 40)), List.of())).isSameAs(r.get(1));
  }

  @Test
  void aSessionStaysOnOneReplicaAndSessionsSpreadOverAll() {
    ReplicaSet set = replicas("session-affinity");
    Map<String, Replica> home = new HashMap<>();
    for (int s = 0; s < 300; s++) {
      home.put("s" + s, set.pick(new RouteKey("s" + s, prompt(s, 40)), List.of()));
    }
    for (int turn = 0; turn < 3; turn++) {
      home.forEach(
          (session, replica) ->
              assertThat(set.pick(new RouteKey(session, prompt(7, 90)), List.of()))
                  .isSameAs(replica));
    }
    Map<Replica, Long> perReplica = new HashMap<>();
    home.values().forEach(r -> perReplica.merge(r, 1L, Long::sum));
    assertThat(perReplica).hasSize(3);
    assertThat(perReplica.values()).allSatisfy(n -> assertThat(n).isBetween(50L, 150L));
  }

  @Test
  void aReplicaLeavingMovesOnlyItsOwnSessions() {
    ReplicaSet set = replicas("session-affinity");
    Map<String, Replica> home = new HashMap<>();
    for (int s = 0; s < 300; s++) {
      home.put("s" + s, set.pick(new RouteKey("s" + s, prompt(s, 40)), List.of()));
    }
    Replica leaving = set.replicas().get(1);
    set.update(List.of(URI.create(URLS.get(0)), URI.create(URLS.get(2))));
    home.forEach(
        (session, replica) -> {
          Replica now = set.pick(new RouteKey(session, prompt(3, 40)), List.of());
          if (replica != leaving) {
            assertThat(now).isSameAs(replica);
          } else {
            assertThat(now).isNotSameAs(leaving);
          }
        });
  }

  @Test
  void aBusyReplicaPassesNewWorkOnWithinTheBoundedLoad() {
    ReplicaSet set = replicas("session-affinity"); // load factor 1.5
    Replica home = set.pick(new RouteKey("busy", prompt(1, 40)), List.of());
    load(home, 2); // 2 in flight, mean with this request (3 / 3 = 1) × 1.5 → at most 2 before it
    Replica now = set.pick(new RouteKey("busy", prompt(1, 40)), List.of());
    assertThat(now).isNotSameAs(home);
  }

  @Test
  void kvAwareSendsAPromptWhereItsLongestPrefixWentWithoutASession() {
    ReplicaSet set = replicas("kv-aware");
    Map<Integer, Replica> first = new HashMap<>();
    for (int c = 0; c < 60; c++) {
      // placed by its session id: where the prompt's own first tokens would not send it
      first.put(c, set.pick(new RouteKey("s" + c, prompt(c, 40)), List.of()));
    }
    for (int c = 0; c < 60; c++) {
      // the next turn: the same conversation, longer, sent without its session
      assertThat(set.pick(new RouteKey(null, prompt(c, 120)), List.of())).isSameAs(first.get(c));
    }
    assertThat(new java.util.HashSet<>(first.values())).hasSize(3);
  }

  @Test
  void kvAwareLeavesTheCachedReplicaWhenItIsOverloaded() {
    ReplicaSet set = replicas("kv-aware");
    Replica cached = set.pick(new RouteKey(null, prompt(5, 64)), List.of());
    load(cached, 4);
    assertThat(set.pick(new RouteKey(null, prompt(5, 80)), List.of())).isNotSameAs(cached);
  }

  @Test
  void oneReplicaFillsNoIndex() {
    ReplicaSet set = replicas("kv-aware", URLS.subList(0, 1));
    for (int c = 0; c < 50; c++) {
      set.pick(new RouteKey(null, prompt(c, 160)), List.of());
    }
    assertThat(set.indexed()).isZero();
    ReplicaSet three = replicas("kv-aware");
    three.pick(new RouteKey(null, prompt(1, 160)), List.of());
    assertThat(three.indexed()).isEqualTo(10);
  }

  @Test
  void aReplicaDownOrAlreadyTriedIsNotPicked() {
    ReplicaSet set = replicas("round-robin");
    List<Replica> r = set.replicas();
    r.get(0).markReady(false);
    var picks = new ArrayList<Replica>();
    for (int i = 0; i < 10; i++) {
      picks.add(set.pick(new RouteKey(null, prompt(i, 20)), List.of(r.get(2))));
    }
    assertThat(picks).containsOnly(r.get(1));
    // when nothing available is left, an untried one even so; when all were tried, none
    assertThat(set.pick(new RouteKey(null, prompt(1, 20)), List.of(r.get(1), r.get(2))))
        .isSameAs(r.get(0));
    assertThat(set.pick(new RouteKey(null, prompt(1, 20)), r)).isNull();
  }

  @Test
  void anUpdateKeepsKnownReplicasAndTheirLoad() {
    ReplicaSet set = replicas("least-loaded");
    Replica kept = set.replicas().get(2);
    load(kept, 5);
    set.update(List.of(URI.create(URLS.get(2)), URI.create("http://10.0.0.4:8082")));
    assertThat(set.replicas()).hasSize(2).first().isSameAs(kept);
    assertThat(kept.load()).isEqualTo(5);
    assertThat(set.pick(new RouteKey(null, prompt(1, 20)), List.of()).url())
        .isEqualTo(URI.create("http://10.0.0.4:8082"));
    set.update(List.of()); // an empty DNS answer keeps what was known
    assertThat(set.replicas()).hasSize(2);
  }

  @Test
  void aNameThatResolvesToNothingYetHasNoReplicaAndSays503() {
    var props = new HashMap<String, String>();
    props.put("llm.gateway.models.m.replicas-dns", "http://no-such-host.invalid:8082");
    GatewayProperties properties =
        new Binder(new MapConfigurationPropertySource(props))
            .bind("llm.gateway", GatewayProperties.class)
            .get();
    downstreams =
        new Downstreams(
            properties,
            WebClient.builder(),
            CircuitBreakerRegistry.ofDefaults(),
            JsonMapper.builder().build(),
            new InternalAccessProperties(null, true));
    ReplicaSet set = downstreams.inference("m");
    assertThat(set.pick(new RouteKey(null, prompt(1, 20)), List.of())).isNull();
    assertThatThrownBy(set::any)
        .isInstanceOfSatisfying(
            org.llmplatform.gateway.error.ApiException.class,
            e -> assertThat(e.status().value()).isEqualTo(503));
  }

  @Test
  void aDnsNameGivesOneReplicaPerAddress() {
    assertThat(ReplicaWatch.resolve(URI.create("http://localhost:8082")))
        .contains(URI.create("http://127.0.0.1:8082"));
    assertThat(ReplicaWatch.resolve(URI.create("http://no-such-host.invalid:8082"))).isEmpty();
  }

  private ReplicaSet replicas(String policy) {
    return replicas(policy, URLS);
  }

  private ReplicaSet replicas(String policy, List<String> urls) {
    var props = new HashMap<String, String>();
    for (int i = 0; i < urls.size(); i++) {
      props.put("llm.gateway.models.m.replicas[" + i + "]", urls.get(i));
    }
    props.put("llm.gateway.routing.policy", policy);
    GatewayProperties properties =
        new Binder(new MapConfigurationPropertySource(props))
            .bind("llm.gateway", GatewayProperties.class)
            .get();
    if (downstreams != null) {
      downstreams.destroy();
    }
    downstreams =
        new Downstreams(
            properties,
            WebClient.builder(),
            CircuitBreakerRegistry.ofDefaults(),
            JsonMapper.builder().build(),
            new InternalAccessProperties(null, true));
    return downstreams.inference("m");
  }

  /** A conversation's prompt: its tokens depend on the conversation, {@code length} of them. */
  private static List<Integer> prompt(int conversation, int length) {
    return IntStream.range(0, length)
        .map(i -> (conversation * 7919 + i * 31) % 1000)
        .boxed()
        .toList();
  }

  private static void load(Replica replica, int requests) {
    for (int i = 0; i < requests; i++) {
      replica.began();
    }
  }

  private static Map<Replica, Integer> counts(
      ReplicaSet set, java.util.function.IntFunction<RouteKey> key, int requests) {
    Map<Replica, Integer> counts = new HashMap<>();
    for (int i = 0; i < requests; i++) {
      counts.merge(set.pick(key.apply(i), List.of()), 1, Integer::sum);
    }
    return counts;
  }
}
