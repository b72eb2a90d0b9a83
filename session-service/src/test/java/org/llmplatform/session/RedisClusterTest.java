package org.llmplatform.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.llmplatform.session.SessionCalls.message;
import static org.llmplatform.session.SessionCalls.user;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.session.AppendMessagesRequest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * session-service on a real six-node Redis Cluster ({@code spring.data.redis.cluster.nodes}):
 * sessions of many owners, spread over the masters' slots, are created, appended to (the Lua
 * scripts run on the node of the owner's hash tag), replayed by idempotency key, read back and
 * deleted.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
class RedisClusterTest {

  private static LocalRedisCluster cluster;

  @DynamicPropertySource
  static void redis(DynamicPropertyRegistry registry) throws Exception {
    cluster = LocalRedisCluster.start();
    registry.add("spring.data.redis.cluster.nodes", cluster::nodes);
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Autowired private WebTestClient http;
  @Autowired private LettuceConnectionFactory factory;

  @Test
  void sessionsOfOwnersOnEveryMasterWorkAsOnOneRedis() {
    var calls = new SessionCalls(http);
    Set<Integer> slots = new HashSet<>();
    try (RedisClusterConnection connection = factory.getClusterConnection()) {
      for (int o = 0; o < 12; o++) {
        String owner = "owner-" + o;
        slots.add(connection.clusterGetSlotForKey(("{" + owner + "}").getBytes()));
        String id = calls.create(owner).id();
        calls.append(owner, id, user("hello " + o), message("assistant", "hi " + o, 3));
        var retry = new AppendMessagesRequest(List.of(user("again " + o)), null, "key-" + o, null);
        long seq = calls.append(owner, id, retry).seq();
        assertThat(calls.append(owner, id, retry).seq()).isEqualTo(seq); // replayed, not doubled
        var messages = calls.messages(owner, id, null).messages();
        assertThat(messages)
            .extracting(m -> m.content())
            .containsExactly("hello " + o, "hi " + o, "again " + o);
        http.delete()
            .uri("/v1/sessions/{id}?owner={owner}", id, owner)
            .exchange()
            .expectStatus()
            .isNoContent();
      }
      // the owners' keys live on many slots, served by more than one master
      assertThat(slots).hasSizeGreaterThan(6);
      Set<String> masters = new HashSet<>();
      for (int slot : slots) {
        var node = connection.clusterGetNodeForSlot(slot);
        masters.add(node.getHost() + ":" + node.getPort());
      }
      assertThat(masters).hasSizeGreaterThan(1);
    }
  }
}
