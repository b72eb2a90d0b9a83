package org.llmplatform.session.store;

import java.time.Clock;
import org.llmplatform.session.SessionProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import tools.jackson.databind.json.JsonMapper;

/** Chooses the session store once at start-up ({@code llm.session.store}) and logs the choice. */
@Configuration(proxyBeanMethods = false)
class SessionStoreConfiguration {

  private static final Logger log = LoggerFactory.getLogger(SessionStoreConfiguration.class);

  @Bean
  SessionStore sessionStore(
      SessionProperties properties,
      ObjectProvider<LettuceConnectionFactory> redis,
      JsonMapper json) {
    Clock clock = Clock.systemUTC();
    SessionStorage storage =
        switch (properties.store()) {
          case REDIS -> {
            log.info("Session store: Redis (keys under '{}')", properties.keyPrefix());
            LettuceConnectionFactory factory = redis.getObject();
            yield new RedisSessionStorage(
                new ScriptRunner(factory::getRequiredNativeClient),
                new SessionScripts(json, properties.keyPrefix(), properties.ttl()),
                clock);
          }
          case MEMORY -> {
            log.warn(
                "*** llm.session.store=memory: sessions are kept in memory only: lost on restart,"
                    + " not shared between replicas; for local use only ***");
            yield new MemorySessionStorage(properties.ttl(), clock);
          }
        };
    return new SessionStore(storage, properties, clock);
  }
}
