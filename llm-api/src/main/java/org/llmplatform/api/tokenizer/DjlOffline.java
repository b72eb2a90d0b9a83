package org.llmplatform.api.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Start-up settings for the services that run the Hugging Face tokenizers library through DJL
 * (tokenizer-service, and the gateway's in-process detokenizer): DJL must never reach the network,
 * as its native library ships in the jar and is copied into DJL's cache folder. Only system
 * properties: no DJL dependency here.
 */
public final class DjlOffline {

  private DjlOffline() {}

  /**
   * Sets {@code ai.djl.offline=true} unless given, and when neither the system property nor the
   * environment variable {@code DJL_CACHE_DIR} is set and the home folder is not writable, puts the
   * cache under {@code java.io.tmpdir}. Call it first in {@code main}.
   */
  public static void prepare() {
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
