package org.llmplatform.session.store;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.StringCodec;
import java.util.List;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Runs the Lua scripts through Lettuce's asynchronous API on one connection of its own, opened from
 * the client that Spring Boot built from {@code spring.data.redis.*} (URL, password, TLS, Sentinel,
 * timeouts, the fail-fast options of {@link RedisClientTuning}): EVALSHA, and EVAL when Redis
 * answers NOSCRIPT (first use, after a restart or a {@code SCRIPT FLUSH}). On a Redis Cluster
 * ({@code spring.data.redis.cluster.*}) Lettuce sends each script to the node of its keys' slot: a
 * script's keys all carry the session owner's hash tag, so they share one slot.
 *
 * <p>Why not {@code ReactiveStringRedisTemplate}: for every command it opens and closes a
 * connection wrapper ({@code usingWhen}), converts keys and arguments through {@code ByteBuffer}s
 * and runs a chain of a dozen reactive operators and Lettuce's reactive publisher; under load those
 * frames were all over the service's CPU profile. Here a command is one Lettuce future.
 *
 * <p>The connection is opened on first use, off the event loops (opening it blocks); from then on
 * Lettuce reconnects it by itself, rejecting commands while it is away (503). When Spring replaces
 * its client (the connection factory stopped and started again), a new connection is opened from
 * the new one.
 */
final class ScriptRunner implements AutoCloseable {

  /**
   * One run of a script.
   *
   * @param script the script
   * @param keys its KEYS
   * @param args its ARGV
   */
  record Call(LuaScript script, String[] keys, String... args) {}

  /** A connection, its scripting commands and the client it was opened from. */
  private record Open(
      AbstractRedisClient client,
      StatefulConnection<String, String> connection,
      RedisScriptingAsyncCommands<String, String> commands) {}

  private final Supplier<AbstractRedisClient> client;
  private volatile Open open;

  /**
   * @param client Spring's current Lettuce client (read on every call: a field read)
   */
  ScriptRunner(Supplier<AbstractRedisClient> client) {
    this.client = client;
  }

  /** The script's array reply: strings, numbers (Long), nested lists and nulls. */
  Mono<List<Object>> run(Call call) {
    Open current = open;
    if (current == null || current.client() != client.get()) {
      return Mono.fromCallable(this::connect)
          .subscribeOn(Schedulers.boundedElastic())
          .flatMap(connection -> run(connection, call));
    }
    return run(current.commands(), call);
  }

  private static Mono<List<Object>> run(
      RedisScriptingAsyncCommands<String, String> commands, Call call) {
    return Mono.<List<Object>>fromCompletionStage(
            () ->
                commands.evalsha(
                    call.script().sha1(), ScriptOutputType.MULTI, call.keys(), call.args()))
        .onErrorResume(
            RedisNoScriptException.class,
            unknown ->
                Mono.fromCompletionStage(
                    () ->
                        commands.eval(
                            call.script().source(),
                            ScriptOutputType.MULTI,
                            call.keys(),
                            call.args())));
  }

  private synchronized RedisScriptingAsyncCommands<String, String> connect() {
    AbstractRedisClient current = client.get();
    if (open == null || open.client() != current) {
      close();
      open =
          switch (current) {
            case RedisClusterClient cluster -> {
              var connection = cluster.connect(StringCodec.UTF8);
              yield new Open(current, connection, connection.async());
            }
            case RedisClient single -> {
              var connection = single.connect(StringCodec.UTF8);
              yield new Open(current, connection, connection.async());
            }
            default ->
                throw new IllegalStateException("unknown Redis client " + current.getClass());
          };
    }
    return open.commands();
  }

  @Override
  public synchronized void close() {
    if (open != null) {
      open.connection().close();
      open = null;
    }
  }
}
