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

  private TokenTrie(byte[] edgeByte, int[] subtreeEnd, int[] tokenStart, int[] tokens) {
    this.edgeByte = edgeByte;
    this.subtreeEnd = subtreeEnd;
    this.tokenStart = tokenStart;
    this.tokens = tokens;
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
      if (b.length >= path.length) {
        path = Arrays.copyOf(path, b.length * 2);
      }
      for (int d = common + 1; d <= b.length; d++) {
        if (nodes == cap) {
          cap *= 2;
          edge = Arrays.copyOf(edge, cap);
          end = Arrays.copyOf(end, cap);
          tokenCount = Arrays.copyOf(tokenCount, cap);
        }
        edge[nodes] = b[d - 1];
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
    return new TokenTrie(Arrays.copyOf(edge, nodes), Arrays.copyOf(end, nodes), start, tokenList);
  }
}
