package org.llmplatform.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * Reading HTTP/1.1 responses off a raw socket, for the services' keep-alive tests (a client that
 * sends its next request the moment it has read the previous answer, which an HTTP library would
 * not let a test control). Shared through this module's test jar.
 */
public final class RawHttp {

  private RawHttp() {}

  /** One line without its CR LF; fails when the connection closed first. */
  public static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("connection closed");
      }
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }

  /** After the status line: the headers, then the body (Content-Length or chunked), discarded. */
  public static void skipHeadersAndBody(InputStream in) throws IOException {
    int length = 0;
    boolean chunked = false;
    for (String header = line(in); !header.isEmpty(); header = line(in)) {
      String h = header.toLowerCase(Locale.ROOT);
      if (h.startsWith("content-length:")) {
        length = Integer.parseInt(h.substring(15).strip());
      } else if (h.startsWith("transfer-encoding:") && h.contains("chunked")) {
        chunked = true;
      }
    }
    if (!chunked) {
      skip(in, length);
      return;
    }
    for (int size = Integer.parseInt(line(in), 16);
        size > 0;
        size = Integer.parseInt(line(in), 16)) {
      skip(in, size);
      line(in);
    }
    line(in); // the empty line after the last chunk
  }

  private static void skip(InputStream in, int bytes) throws IOException {
    if (in.readNBytes(bytes).length != bytes) {
      throw new IOException("connection closed in a body");
    }
  }
}
