package org.llmplatform.session.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load generator of {@code bench/run.sh}: closed-loop clients (each sends its next request when the
 * previous one is answered) against a running session service, for appends and for reads. Prints
 * one CSV line per measurement: {@code op,clients,requests,seconds,per_second,stalls}.
 *
 * <p>It shares the machine with the service and Redis, so it is kept cheap, as {@code
 * redis-benchmark} is: each client is one thread on one keep-alive HTTP/1.1 connection that writes
 * a request encoded once up front and reads the answer (status line, headers, a {@code
 * Content-Length} or chunked body, checked to be the expected status). No HTTP library, no reactive
 * pipeline, no JSON on the hot path.
 *
 * <p>A request unanswered for {@value #STALL_MILLIS} ms is a stall: the client counts it, opens a
 * new connection and sends it again (the wait stays in the measurement). Reactor Netty 1.3.6 (Boot
 * 4.0.7's) can stop reading a keep-alive connection whose client sends its next request as soon as
 * it has the answer (reactor-netty#4361, fixed in 1.3.8); without this a closed-loop client would
 * hang there.
 *
 * <p>Usage: {@code SessionLoad <base-url> <seconds> <clients>...}
 */
public final class SessionLoad {

  private static final String CONTENT = "x".repeat(200);
  private static final String APPEND_BODY =
      "{\"messages\":[{\"role\":\"user\",\"content\":\"" + CONTENT + "\",\"token_count\":50}]}";
  private static final Pattern SESSION_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

  private static final int STALL_MILLIS = 1000;

  private SessionLoad() {}

  public static void main(String[] args) throws Exception {
    URI base = URI.create(args[0]);
    InetSocketAddress address = new InetSocketAddress(base.getHost(), base.getPort());
    long nanos = Long.parseLong(args[1]) * 1_000_000_000L;
    // The service's JIT has compiled its hot paths before the first (1-client) measurement.
    warmUp(address, Math.max(nanos, 5_000_000_000L));
    for (int i = 2; i < args.length; i++) {
      int clients = Integer.parseInt(args[i]);
      // Appends go to sessions of their own; reads to sessions that stay at 20 messages.
      List<byte[]> appends = new ArrayList<>();
      List<byte[]> reads = new ArrayList<>();
      try (Connection setup = new Connection(address)) {
        for (int c = 0; c < clients; c++) {
          appends.add(appendRequest(address, createSession(setup, address)));
          String id = createSession(setup, address);
          byte[] append = appendRequest(address, id);
          for (int m = 0; m < 20; m++) {
            setup.exchange(append, 200);
          }
          reads.add(
              request(
                  address,
                  "GET",
                  "/v1/sessions/" + id + "/messages?owner=bench&max_tokens=4096",
                  ""));
        }
      }
      measure("warmup", address, 2_000_000_000L, appends);
      measure("append", address, nanos, appends);
      measure("warmup", address, 2_000_000_000L, reads);
      measure("read", address, nanos, reads);
    }
  }

  private static void warmUp(InetSocketAddress address, long nanos) throws Exception {
    List<byte[]> appends = new ArrayList<>();
    List<byte[]> reads = new ArrayList<>();
    try (Connection setup = new Connection(address)) {
      for (int c = 0; c < 8; c++) {
        String id = createSession(setup, address);
        appends.add(appendRequest(address, id));
        reads.add(readRequest(address, id));
      }
    }
    measure("warmup", address, nanos, appends);
    measure("warmup", address, nanos, reads);
  }

  /** Runs one closed-loop client per request (each on its own connection) for {@code nanos}. */
  private static void measure(
      String op, InetSocketAddress address, long nanos, List<byte[]> requests)
      throws InterruptedException {
    long[] done = new long[requests.size()];
    long[] stalls = new long[requests.size()];
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long start = System.nanoTime();
    long end = start + nanos;
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < requests.size(); c++) {
      int client = c;
      threads.add(
          Thread.ofPlatform()
              .name("client-" + c)
              .start(
                  () -> {
                    byte[] request = requests.get(client);
                    Connection connection = null;
                    try {
                      connection = new Connection(address);
                      while (System.nanoTime() < end) {
                        try {
                          connection.exchange(request, 200);
                          done[client]++;
                        } catch (SocketTimeoutException stalled) {
                          stalls[client]++;
                          connection.close();
                          connection = new Connection(address);
                        }
                      }
                      connection.close();
                    } catch (IOException | RuntimeException e) {
                      failure.compareAndSet(null, e);
                    }
                  }));
    }
    for (Thread thread : threads) {
      thread.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (failure.get() != null) {
      throw new IllegalStateException(op + " failed", failure.get());
    }
    long total = 0;
    long stalled = 0;
    for (int c = 0; c < done.length; c++) {
      total += done[c];
      stalled += stalls[c];
    }
    if (!op.equals("warmup")) {
      System.out.printf(
          Locale.ROOT,
          "%s,%d,%d,%.2f,%.0f,%d%n",
          op,
          requests.size(),
          total,
          seconds,
          total / seconds,
          stalled);
    } else if (stalled > 0) {
      System.err.println(stalled + " stalls during warm-up");
    }
  }

  private static String createSession(Connection connection, InetSocketAddress address)
      throws IOException {
    String body =
        connection.exchange(
            request(
                address,
                "POST",
                "/v1/sessions",
                "{\"owner\":\"bench\",\"system_prompt\":\"Be brief.\"}"),
            201);
    Matcher id = SESSION_ID.matcher(body);
    if (!id.find()) {
      throw new IllegalStateException("no session id in " + body);
    }
    return id.group(1);
  }

  private static byte[] appendRequest(InetSocketAddress address, String id) {
    return request(address, "POST", "/v1/sessions/" + id + "/messages?owner=bench", APPEND_BODY);
  }

  private static byte[] readRequest(InetSocketAddress address, String id) {
    return request(
        address, "GET", "/v1/sessions/" + id + "/messages?owner=bench&max_tokens=4096", "");
  }

  private static byte[] request(
      InetSocketAddress address, String method, String path, String body) {
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    String head =
        method
            + " "
            + path
            + " HTTP/1.1\r\nHost: "
            + address.getHostString()
            + ":"
            + address.getPort()
            + "\r\n"
            + (content.length > 0
                ? "Content-Type: application/json\r\nContent-Length: " + content.length + "\r\n"
                : "")
            + "\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
    byte[] request = new byte[headBytes.length + content.length];
    System.arraycopy(headBytes, 0, request, 0, headBytes.length);
    System.arraycopy(content, 0, request, headBytes.length, content.length);
    return request;
  }

  /** One keep-alive HTTP/1.1 connection, used by one thread. */
  private static final class Connection implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final StringBuilder line = new StringBuilder();

    Connection(InetSocketAddress address) throws IOException {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(STALL_MILLIS);
      socket.connect(address);
      out = socket.getOutputStream();
      in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    }

    /** Sends the request and answers the response body; fails unless the status is expected. */
    String exchange(byte[] request, int expectedStatus) throws IOException {
      out.write(request);
      out.flush();
      String status = readLine();
      if (status.length() < 12 || !status.startsWith("HTTP/1.1 ")) {
        throw new IOException("not an HTTP/1.1 status line: " + status);
      }
      int code = Integer.parseInt(status.substring(9, 12));
      long length = -1;
      boolean chunked = false;
      for (String header = readLine(); !header.isEmpty(); header = readLine()) {
        int colon = header.indexOf(':');
        String name = header.substring(0, Math.max(colon, 0));
        if (name.equalsIgnoreCase("content-length")) {
          length = Long.parseLong(header.substring(colon + 1).strip());
        } else if (name.equalsIgnoreCase("transfer-encoding")) {
          chunked = header.toLowerCase(Locale.ROOT).contains("chunked");
        }
      }
      byte[] body;
      if (chunked) {
        body = readChunked();
      } else if (length >= 0) {
        body = in.readNBytes((int) length);
        if (body.length != length) {
          throw new IOException("connection closed in the body");
        }
      } else {
        throw new IOException("a response without Content-Length or chunked body: " + status);
      }
      if (code != expectedStatus) {
        throw new IllegalStateException(
            "HTTP " + code + ": " + new String(body, StandardCharsets.UTF_8));
      }
      // Bodies are only decoded where the caller needs them (session creation).
      return expectedStatus == 201 ? new String(body, StandardCharsets.UTF_8) : "";
    }

    private byte[] readChunked() throws IOException {
      List<byte[]> parts = new ArrayList<>();
      int total = 0;
      while (true) {
        String size = readLine();
        int semicolon = size.indexOf(';');
        int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
        if (n == 0) {
          while (!readLine().isEmpty()) {
            // trailers
          }
          break;
        }
        byte[] part = in.readNBytes(n);
        if (part.length != n) {
          throw new IOException("connection closed in a chunk");
        }
        parts.add(part);
        total += n;
        readLine();
      }
      byte[] body = new byte[total];
      int at = 0;
      for (byte[] part : parts) {
        System.arraycopy(part, 0, body, at, part.length);
        at += part.length;
      }
      return body;
    }

    private String readLine() throws IOException {
      line.setLength(0);
      while (true) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("connection closed by the service");
        }
        if (b == '\n') {
          int last = line.length() - 1;
          if (last >= 0 && line.charAt(last) == '\r') {
            line.setLength(last);
          }
          return line.toString();
        }
        line.append((char) b);
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
