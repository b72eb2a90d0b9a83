package org.llmplatform.structured.vocab;

import java.util.Arrays;

/**
 * The vocabulary's tokens as a byte trie laid out in depth-first order: node 0 is the root, the
 * children of node {@code n} run from {@code n + 1} to {@code subtreeEnd(n)}, each child's subtree
 * ending where the next child starts. A walk skips a whole subtree in one step.
 */
public final class TokenTrie {
  private final byte[] edgeByte; // [nodes] byte on the edge into the node (root: 0)
  private final int[] subtreeEnd; // [nodes] first node after the subtree
  private final int[] tokenStart; // [nodes + 1] offsets into tokens
  private final int[] tokens; // ids of the tokens ending at each node, node by node
  private final short[] depth; // [nodes] bytes from the root (root 0)
  private final boolean[]
      plainBelow; // [nodes] every byte below the node is printable ASCII, not " or \
  private final int maxDepth;

  private TokenTrie(
      byte[] edgeByte, int[] subtreeEnd, int[] tokenStart, int[] tokens, short[] depth) {
    this.edgeByte = edgeByte;
    this.subtreeEnd = subtreeEnd;
    this.tokenStart = tokenStart;
    this.tokens = tokens;
    this.depth = depth;
    int n = edgeByte.length;
    this.plainBelow = new boolean[n];
    int nextOther = n; // first node at or after i whose byte is not plain
    for (int i = n - 1; i >= 0; i--) {
      plainBelow[i] = nextOther >= subtreeEnd[i];
      if (i > 0 && !isPlain(edgeByte[i] & 0xFF)) {
        nextOther = i;
      }
    }
    int max = 0;
    for (short d : depth) {
      max = Math.max(max, d);
    }
    this.maxDepth = max;
  }

  /** Printable ASCII other than the quote and the backslash: plain JSON string content. */
  public static boolean isPlain(int b) {
    return b >= 0x20 && b < 0x7F && b != '"' && b != '\\';
  }

  /** True when every byte in the subtree below {@code node} is {@link #isPlain}. */
  public boolean plainBelow(int node) {
    return plainBelow[node];
  }

  /** Read-only views of the layout, for the hot loops that sweep the trie linearly. */
  public record Layout(
      byte[] edgeByte, int[] subtreeEnd, int[] tokenStart, int[] tokens, short[] depth) {}

  public Layout layout() {
    return new Layout(edgeByte, subtreeEnd, tokenStart, tokens, depth);
  }

  /** The most bytes of a token in the trie. */
  public int maxDepth() {
    return maxDepth;
  }

  public int nodeCount() {
    return subtreeEnd.length;
  }

  /** The byte (0..255) on the edge into {@code node}. */
  public int edgeByte(int node) {
    return edgeByte[node] & 0xFF;
  }

  public int subtreeEnd(int node) {
    return subtreeEnd[node];
  }

  public int tokensFrom(int node) {
    return tokenStart[node];
  }

  public int tokensTo(int node) {
    return tokenStart[node + 1];
  }

  public int token(int index) {
    return tokens[index];
  }

  /** Builds the trie of the non-null entries of {@code bytes} (indexed by token id). */
  static TokenTrie build(byte[][] bytes) {
    Integer[] ids =
        java.util.stream.IntStream.range(0, bytes.length)
            .filter(i -> bytes[i] != null && bytes[i].length > 0)
            .boxed()
            .toArray(Integer[]::new);
    Arrays.sort(ids, (a, b) -> Arrays.compareUnsigned(bytes[a], bytes[b]));
    int cap = 1024;
    byte[] edge = new byte[cap];
    short[] depthOf = new short[cap];
    int[] end = new int[cap];
    int[] tokenCount = new int[cap];
    int nodes = 1;
    int[] path = new int[256]; // path[d] = node at depth d (path[0] = root)
    byte[] prev = new byte[0];
    int[] tokenList = new int[ids.length];
    for (int k = 0; k < ids.length; k++) {
      byte[] b = bytes[ids[k]];
      int common = 0;
      while (common < prev.length && common < b.length && prev[common] == b[common]) {
        common++;
      }
      for (int d = prev.length; d > common; d--) {
        end[path[d]] = nodes;
      }
      if (b.length > Short.MAX_VALUE) {
        throw new IllegalArgumentException("token " + ids[k] + " longer than 32767 bytes");
      }
      if (b.length >= path.length) {
        path = Arrays.copyOf(path, b.length * 2);
      }
      for (int d = common + 1; d <= b.length; d++) {
        if (nodes == cap) {
          cap *= 2;
          edge = Arrays.copyOf(edge, cap);
          depthOf = Arrays.copyOf(depthOf, cap);
          end = Arrays.copyOf(end, cap);
          tokenCount = Arrays.copyOf(tokenCount, cap);
        }
        edge[nodes] = b[d - 1];
        depthOf[nodes] = (short) d;
        path[d] = nodes++;
      }
      tokenCount[path[b.length]]++;
      tokenList[k] = ids[k];
      prev = b;
    }
    for (int d = prev.length; d >= 1; d--) {
      end[path[d]] = nodes;
    }
    end[0] = nodes;
    int[] start = new int[nodes + 1];
    for (int n = 0; n < nodes; n++) {
      start[n + 1] = start[n] + tokenCount[n];
    }
    return new TokenTrie(
        Arrays.copyOf(edge, nodes),
        Arrays.copyOf(end, nodes),
        start,
        tokenList,
        Arrays.copyOf(depthOf, nodes));
  }
}
