package org.llmplatform.http;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;

/**
 * Reading HTTP/1.1 responses off a raw socket, for the services' keep-alive tests (a client that
 * sends its next request the moment it has read the previous answer, which an HTTP library would
 * not let a test control). Shared through this module's test jar.
 */
public final class RawHttp {

  private RawHttp() {}

  /**
   * Sends {@code count} requests over one connection to {@code localhost:port}, each the moment the
   * previous answer has been read, and returns their status lines in order. A connection that stops
   * answering fails with a {@link java.net.SocketTimeoutException} after 5 s.
   *
   * @param request the raw bytes of request {@code i}
   */
  public static List<String> keepAlive(int port, int count, IntFunction<byte[]> request)
      throws IOException {
    List<String> statuses = new ArrayList<>(count);
    try (Socket socket = new Socket("localhost", port)) {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      for (int i = 0; i < count; i++) {
        out.write(request.apply(i));
        out.flush();
        statuses.add(line(in));
        skipHeadersAndBody(in);
      }
    }
    return statuses;
  }

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
