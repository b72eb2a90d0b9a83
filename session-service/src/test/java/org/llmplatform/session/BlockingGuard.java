package org.llmplatform.session;

import reactor.blockhound.BlockHound;

/** Installs BlockHound once per test JVM: a blocking call on a non-blocking thread then fails. */
final class BlockingGuard {

  private static boolean installed;

  private BlockingGuard() {}

  static synchronized void install() {
    if (!installed) {
      BlockHound.install(
          builder ->
              builder
                  // Console logging from an event loop is accepted: the console is the log sink.
                  .allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "writeOut")
                  // Lettuce guards its command queue with a lock held for a few instructions;
                  // contention on it is not I/O. (An error thrown inside it corrupts it.)
                  .allowBlockingCallsInside(
                      "io.lettuce.core.protocol.SharedLock", "incrementWriters")
                  .allowBlockingCallsInside(
                      "io.lettuce.core.protocol.SharedLock", "decrementWriters")
                  .allowBlockingCallsInside(
                      "io.lettuce.core.protocol.SharedLock", "lockWritersExclusive")
                  .allowBlockingCallsInside(
                      "io.lettuce.core.protocol.SharedLock", "unlockWritersExclusive")
                  // Spring Data Redis reads its shared connection under a lock on every command;
                  // once connected that is a field read (the first connect runs off the loop).
                  .allowBlockingCallsInside(
                      "org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory",
                      "doInLock")
                  // Jackson locks its deserializer cache while it builds one, on first use of a
                  // type.
                  .allowBlockingCallsInside(
                      "tools.jackson.databind.deser.DeserializerCache",
                      "_createAndCacheValueDeserializer")
                  .allowBlockingCallsInside(
                      "tools.jackson.databind.ser.SerializerCache",
                      "addAndResolveNonTypedSerializer"));
      installed = true;
    }
  }
}
