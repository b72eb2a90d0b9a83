package org.llmplatform.session.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.springframework.core.io.ClassPathResource;

/**
 * A Lua script of {@code resources/redis/}, read and hashed once at start-up.
 *
 * @param name its file name without {@code .lua}
 * @param source the script
 * @param sha1 its SHA-1, as EVALSHA wants it
 */
record LuaScript(String name, String source, String sha1) {

  static LuaScript load(String name) {
    try {
      String source =
          new ClassPathResource("redis/" + name + ".lua")
              .getContentAsString(StandardCharsets.UTF_8);
      byte[] digest =
          MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
      return new LuaScript(name, source, HexFormat.of().formatHex(digest));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read redis/" + name + ".lua", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-1 in this JDK", e);
    }
  }
}
