package org.llmplatform.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.inference.PrefixBlocks;
import org.llmplatform.gateway.GatewayProperties;
import org.llmplatform.gateway.client.Downstreams;
import org.llmplatform.http.auth.InternalAccessProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.json.JsonMapper;

/**
 * kv-aware routing on the replicas' own KV-cache events, the replicas played by HTTP servers whose
 * event streams the test writes: a snapshot and deltas send a prompt to the replica holding its
 * longest prefix, an eviction moves it, a replica that leaves or whose stream ends is forgotten, a
 * replica without the stream (404) keeps the routed guess, a replica's reported load counts in the
 * bound, hostile events change nothing and break nothing, and one replica is never followed.
 * Guesses of live replicas are off ({@code routed-ttl=0}) unless a test says otherwise, so that
 * only the events decide; with the default, a session's next turn sent before its replica's event
 * stays where the turn ran.
 */
class KvEventsRoutingTest {

  /** An inference-service's event stream, written by the test; 404 unless {@code publishes}. */
  static final class FakeReplica {
    final AtomicInteger connections = new AtomicInteger();
    volatile boolean publishes = true;
    volatile Sinks.Many<String> stream;
    final DisposableServer server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .route(
                routes ->
                    routes.get(
                        "/v1/internal/kv-events",
                        (req, res) -> {
                          if (!publishes) {
                            return res.status(404).send();
                          }
                          Sinks.Many<String> sink = Sinks.many().unicast().onBackpressureBuffer();
                          stream = sink;
                          connections.incrementAndGet();
                          return res.sse().sendString(sink.asFlux());
                        }))
            .bindNow();

    String url() {
      return "http://127.0.0.1:" + server.port();
    }

    void send(String event, String data) {
      stream.tryEmitNext("event: " + event + "\ndata: " + data + "\n\n");
    }

    void snapshot(long... blocks) {
      send("snapshot", "{\"block_tokens\":16,\"blocks\":" + json(blocks) + "}");
    }

    void stored(long... blocks) {
      send("blocks", "{\"stored\":" + json(blocks) + ",\"removed\":[]}");
    }

    void removed(long... blocks) {
      send("blocks", "{\"stored\":[],\"removed\":" + json(blocks) + "}");
    }

    void load(int waiting, int running) {
      send(
          "load",
          "{\"waiting\":"
              + waiting
              + ",\"running\":"
              + running
              + ",\"kv_slots_in_use\":0,\"kv_slots\":16}");
    }

    boolean connected() {
      Sinks.Many<String> s = stream;
      return s != null && s.currentSubscriberCount() > 0;
    }
  }

  /** {@code followed}'s routed-ttl when the property is left at its default. */
  private static final String DEFAULT_TTL = "default";

  private static final List<FakeReplica> FAKES =
      List.of(new FakeReplica(), new FakeReplica(), new FakeReplica());

  private Downstreams downstreams;

  @AfterAll
  static void stopServers() {
    FAKES.forEach(f -> f.server.disposeNow());
  }

  @BeforeEach
  void reset() {
    for (FakeReplica f : FAKES) {
      f.connections.set(0);
      f.publishes = true;
      f.stream = null;
    }
  }

  @AfterEach
  void close() {
    if (downstreams != null) {
      downstreams.destroy();
    }
  }

  @Test
  void snapshotsAndDeltasSendAPromptWhereItsLongestPrefixIsAndAnEvictionMovesIt() {
    ReplicaSet set = followed(Map.of());
    List<Replica> r = set.replicas();
    List<Integer> prompt = prompt(1, 80);
    long[] blocks = PrefixBlocks.hashes(prompt, 16); // 5 blocks
    FAKES.get(0).snapshot();
    FAKES.get(1).snapshot(Arrays.copyOf(blocks, 2)); // the conversation's first turn
    FAKES.get(2).snapshot();
    FAKES.get(2).stored(Arrays.copyOf(blocks, 4)); // its first three turns
    eventually(() -> kv(set).index().held(r.get(1)) == 2 && kv(set).index().held(r.get(2)) == 4);
    for (int i = 0; i < 5; i++) {
      assertThat(set.pick(new RouteKey("s" + i, prompt), List.of())).isSameAs(r.get(2));
    }
    FAKES.get(2).removed(Arrays.copyOf(blocks, 4)); // evicted there
    eventually(() -> kv(set).index().held(r.get(2)) == 0);
    for (int i = 0; i < 5; i++) {
      assertThat(set.pick(new RouteKey("s" + i, prompt), List.of())).isSameAs(r.get(1));
    }
    // a new snapshot replaces what was known: replica 1 now holds nothing, replica 0 the prefix
    FAKES.get(1).snapshot();
    FAKES.get(0).stored(blocks);
    eventually(() -> kv(set).index().held(r.get(0)) == 5 && kv(set).index().held(r.get(1)) == 0);
    assertThat(set.pick(new RouteKey(null, prompt), List.of())).isSameAs(r.get(0));
  }

  @Test
  void aReplicaWhoseStreamEndsOrThatLeavesIsForgotten() {
    ReplicaSet set = followed(Map.of());
    List<Replica> r = set.replicas();
    long[] blocks = PrefixBlocks.hashes(prompt(2, 64), 16);
    FAKES.forEach(FakeReplica::snapshot);
    FAKES.get(0).stored(blocks);
    FAKES.get(1).stored(blocks);
    eventually(() -> kv(set).index().held(r.get(0)) == 4 && kv(set).index().held(r.get(1)) == 4);

    FAKES.get(0).stream.tryEmitComplete(); // replica 0 ended its stream (it stops)
    eventually(() -> kv(set).index().held(r.get(0)) == 0 && !kv(set).feed(r.get(0)).live());
    eventually(() -> FAKES.get(0).connections.get() == 2); // and the feed reconnects
    FAKES.get(0).snapshot(blocks);
    eventually(() -> kv(set).index().held(r.get(0)) == 4);

    Replica leaving = r.get(1);
    set.update(List.of(URI.create(FAKES.get(0).url()), URI.create(FAKES.get(2).url())));
    assertThat(kv(set).index().held(leaving)).isZero();
    assertThat(kv(set).feed(leaving)).isNull();
    eventually(() -> !FAKES.get(1).connected()); // its stream closed
    assertThat(set.pick(new RouteKey(null, prompt(2, 64)), List.of())).isSameAs(r.get(0));
  }

  @Test
  void aReplicaWithoutTheStreamIsRoutedWhereItsPromptsWent() {
    FAKES.forEach(f -> f.publishes = false);
    ReplicaSet set = followed(Map.of());
    eventually(() -> set.replicas().stream().allMatch(r -> kv(set).feed(r) != null));
    Map<Integer, Replica> first = new HashMap<>();
    for (int c = 0; c < 30; c++) {
      first.put(c, set.pick(new RouteKey("s" + c, prompt(c, 40)), List.of()));
    }
    for (int c = 0; c < 30; c++) {
      assertThat(set.pick(new RouteKey(null, prompt(c, 120)), List.of())).isSameAs(first.get(c));
    }
    assertThat(set.replicas()).allSatisfy(r -> assertThat(kv(set).feed(r).live()).isFalse());
    assertThat(FAKES).allSatisfy(f -> assertThat(f.connections).hasValue(0));
  }

  @Test
  void aLiveReplicasRoutedPromptCountsUntilRoutedTtl() throws InterruptedException {
    ReplicaSet set = followed(Map.of("llm.gateway.routing.routed-ttl", "300ms"));
    FAKES.forEach(FakeReplica::snapshot);
    eventually(() -> set.replicas().stream().allMatch(r -> kv(set).feed(r).live()));
    List<Integer> prompt = prompt(3, 48);
    Replica went = set.pick(new RouteKey("first", prompt), List.of());
    for (int i = 0; i < 5; i++) { // concurrent first turns: before any event, they follow it
      assertThat(set.pick(new RouteKey("other" + i, prompt), List.of())).isSameAs(went);
    }
    int at = set.replicas().indexOf(went);
    assertThat(kv(set).cached(prompt, set.replicas())[at]).isEqualTo(3);
    Thread.sleep(400); // no stored event came (the request failed): the guess no longer counts
    assertThat(kv(set).cached(prompt, set.replicas())).containsOnly(0);
  }

  @Test
  void aSessionsNextTurnSentBeforeItsReplicasEventStaysWhereTheTurnRan() {
    ReplicaSet set = followed(Map.of(), DEFAULT_TTL);
    Replica[] firstAndNext = nextTurnBeforeTheEvent(set);
    assertThat(firstAndNext[1]).isSameAs(firstAndNext[0]);
  }

  @Test
  void onEventsOnlyASessionsNextTurnBeforeTheEventFollowsASharedOpening() {
    ReplicaSet set = followed(Map.of()); // routed-ttl 0
    Replica[] firstAndNext = nextTurnBeforeTheEvent(set);
    assertThat(firstAndNext[1]).isNotSameAs(firstAndNext[0]);
  }

  /**
   * A session's first turn is routed; another conversation with the same 32-token opening ran on
   * the next replica, which published it; then the session's next turn (a tool's result sent back
   * at once) is routed before the first turn's replica publishes. Where each went.
   */
  private Replica[] nextTurnBeforeTheEvent(ReplicaSet set) {
    FAKES.forEach(FakeReplica::snapshot);
    eventually(() -> set.replicas().stream().allMatch(r -> kv(set).feed(r).live()));
    List<Integer> turn = prompt(6, 64);
    Replica went = set.pick(new RouteKey("s", turn), List.of());
    int other = (set.replicas().indexOf(went) + 1) % FAKES.size();
    FAKES.get(other).stored(PrefixBlocks.hashes(turn.subList(0, 32), 16));
    eventually(() -> kv(set).cached(turn, set.replicas())[other] == 2);
    var next = new ArrayList<>(turn);
    next.addAll(prompt(7, 40));
    return new Replica[] {went, set.pick(new RouteKey("s", next), List.of())};
  }

  @Test
  void aReplicasReportedLoadCountsInTheBound() {
    ReplicaSet set = followed(Map.of());
    List<Replica> r = set.replicas();
    long[] blocks = PrefixBlocks.hashes(prompt(4, 64), 16);
    FAKES.forEach(FakeReplica::snapshot);
    FAKES.get(0).stored(blocks);
    FAKES.get(0).load(4, 6); // other gateways' requests: 10
    eventually(() -> r.get(0).load() == 10);
    // the bound: ⌈1.5 × (10 + 1) / 3⌉ = 6 in flight at most
    assertThat(set.pick(new RouteKey(null, prompt(4, 64)), List.of())).isNotSameAs(r.get(0));
    FAKES.get(0).load(0, 0);
    eventually(() -> r.get(0).load() == 0);
    assertThat(set.pick(new RouteKey(null, prompt(4, 64)), List.of())).isSameAs(r.get(0));
    // this gateway's own two requests there, and one of another gateway: counted once each
    r.get(0).began();
    r.get(0).began();
    FAKES.get(0).load(1, 2);
    eventually(() -> r.get(0).load() == 3);
    r.get(0).ended();
    r.get(0).ended();
  }

  @Test
  void hostileEventsAreSkippedAndTheStreamGoesOn() {
    ReplicaSet set = followed(Map.of());
    List<Replica> r = set.replicas();
    long[] blocks = PrefixBlocks.hashes(prompt(5, 64), 16);
    FakeReplica f = FAKES.get(0);
    Replica replica = r.get(0);
    f.stored(blocks); // a delta before any snapshot: not applied
    f.send("snapshot", "{\"block_tokens\":16,\"blocks\":[1,null]}");
    f.send("snapshot", "{\"block_tokens\":-16,\"blocks\":[]}");
    f.send("snapshot", "{\"block_tokens\":16}");
    f.send("snapshot", "not json");
    f.send("snapshot", "[16,[1,2,3]]");
    f.load(0, 3); // read after all of the above
    eventually(() -> replica.load() == 3);
    assertThat(kv(set).feed(replica).live()).isFalse();
    assertThat(kv(set).index().held(replica)).isZero();

    f.snapshot(blocks);
    eventually(() -> kv(set).index().held(replica) == 4);
    f.send("blocks", "{\"stored\":\"everything\"}");
    f.send("blocks", "{\"stored\":[1e400]}");
    f.send("blocks", "{\"stored\":[99999999999999999999999]}");
    f.send("blocks", "{\"removed\":[null]}");
    f.send("blocks", "{\"stored\":[7],\"removed\":{\"all\":true}}");
    f.send("blocks", "{\"removed\":\"*\"}");
    f.send("load", "{\"waiting\":-5,\"running\":0,\"kv_slots_in_use\":0,\"kv_slots\":1}");
    f.send("load", "{\"waiting\":1,\"running\":2}"); // incomplete: skipped
    f.send(
        "load",
        "{\"waiting\":2147483647,\"running\":2147483647,\"kv_slots_in_use\":0,\"kv_slots\":1}");
    f.send("evict-everything", "{}");
    f.stream.tryEmitNext("data: an unnamed event\n\n");
    f.stream.tryEmitNext(": a comment\n\n");
    f.stream.tryEmitNext("event: blocks\n\n");
    eventually(() -> replica.load() > 1000); // the last load event was read: the rest before it
    f.load(0, 0);
    eventually(() -> replica.load() == 0);
    assertThat(kv(set).index().held(replica)).isEqualTo(4);
    assertThat(kv(set).feed(replica).live()).isTrue();
    FAKES.get(1).snapshot();
    FAKES.get(2).snapshot();
    assertThat(set.pick(new RouteKey("x", prompt(5, 64)), List.of())).isSameAs(replica);

    f.send("snapshot", "{\"block_tokens\":8,\"blocks\":[1,2,3]}"); // other blocks: not used
    eventually(() -> !kv(set).feed(replica).live() && kv(set).index().held(replica) == 0);
    f.stored(blocks);
    f.snapshot(blocks); // a sane replica again, on the same connection
    eventually(() -> kv(set).index().held(replica) == 4);
    assertThat(f.connections).hasValue(1);
  }

  @Test
  void oneReplicaIsNeitherFollowedNorIndexed() throws InterruptedException {
    var props = new HashMap<String, String>();
    props.put("llm.gateway.models.m.inference-url", FAKES.get(0).url());
    ReplicaSet set = replicas(props);
    for (int c = 0; c < 20; c++) {
      set.pick(new RouteKey(null, prompt(c, 160)), List.of());
    }
    Thread.sleep(300);
    assertThat(FAKES.get(0).connections).hasValue(0);
    assertThat(set.indexed()).isZero();
    assertThat(kv(set).feed(set.replicas().getFirst())).isNull();
  }

  /** The three fakes as one model's replicas, kv-aware with events, guesses of live ones off. */
  private ReplicaSet followed(Map<String, String> extra) {
    return followed(extra, "0s");
  }

  private ReplicaSet followed(Map<String, String> extra, String routedTtl) {
    var props = new HashMap<String, String>();
    for (int i = 0; i < FAKES.size(); i++) {
      props.put("llm.gateway.models.m.replicas[" + i + "]", FAKES.get(i).url());
    }
    if (!DEFAULT_TTL.equals(routedTtl)) {
      props.put("llm.gateway.routing.routed-ttl", routedTtl);
    }
    props.putAll(extra);
    ReplicaSet set = replicas(props);
    eventually(
        () ->
            FAKES.stream().allMatch(f -> !f.publishes || f.connected())
                && set.replicas().stream().allMatch(r -> kv(set).feed(r) != null));
    return set;
  }

  private ReplicaSet replicas(Map<String, String> props) {
    props.putIfAbsent("llm.gateway.routing.policy", "kv-aware");
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
    return downstreams.inference("m");
  }

  private static KvAware kv(ReplicaSet set) {
    return (KvAware) set.policy();
  }

  private static List<Integer> prompt(int conversation, int length) {
    return IntStream.range(0, length)
        .map(i -> (conversation * 7919 + i * 31) % 1000)
        .boxed()
        .collect(Collectors.toList());
  }

  private static String json(long... blocks) {
    return Arrays.toString(blocks).replace(" ", "");
  }

  private static void eventually(BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 10 s");
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
