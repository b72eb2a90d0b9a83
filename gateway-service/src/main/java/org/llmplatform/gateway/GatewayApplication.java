package org.llmplatform.gateway;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The public OpenAI-compatible API in front of the tokenizer, inference and session services. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class GatewayApplication {

  public static void main(String[] args) {
    prepareDjl();
    SpringApplication.run(GatewayApplication.class, args);
  }

  /**
   * The in-process detokenizer runs the Hugging Face tokenizers library through DJL, which must
   * never reach the network: its native library ships in the jar and is copied into DJL's cache
   * folder. Sets {@code ai.djl.offline=true} unless given, and when neither the system property nor
   * the environment variable {@code DJL_CACHE_DIR} is set and the home folder is not writable, puts
   * the cache under {@code java.io.tmpdir} (as tokenizer-service does).
   */
  static void prepareDjl() {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    if (System.getProperty("DJL_CACHE_DIR") != null || System.getenv("DJL_CACHE_DIR") != null) {
      return;
    }
    Path home = Path.of(System.getProperty("user.home", "."));
    if (!Files.isWritable(home)) {
      Path cache = Path.of(System.getProperty("java.io.tmpdir"), "djl.ai");
      try {
        Files.createDirectories(cache);
      } catch (IOException e) {
        throw new IllegalStateException("cannot create the DJL cache folder " + cache, e);
      }
      System.setProperty("DJL_CACHE_DIR", cache.toString());
    }
  }
}
