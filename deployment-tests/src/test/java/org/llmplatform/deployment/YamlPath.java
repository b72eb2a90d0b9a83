package org.llmplatform.deployment;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads a value out of parsed YAML by a dotted path, e.g. {@code spec.containers.0.image}. */
final class YamlPath {

  private YamlPath() {}

  /**
   * Walks the path; a segment in brackets may contain dots ({@code data.[application.yaml]}), a
   * number indexes a list. Returns null where the path does not exist.
   */
  static Object get(Object node, String path) {
    for (String segment : segments(path)) {
      if (node instanceof Map<?, ?> map) {
        node = map.get(segment);
      } else if (node instanceof List<?> list && segment.chars().allMatch(Character::isDigit)) {
        int index = Integer.parseInt(segment);
        node = index < list.size() ? list.get(index) : null;
      } else {
        return null;
      }
      if (node == null) {
        return null;
      }
    }
    return node;
  }

  private static List<String> segments(String path) {
    List<String> segments = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean bracket = false;
    for (char c : path.toCharArray()) {
      if (c == '[') {
        bracket = true;
      } else if (c == ']') {
        bracket = false;
      } else if (c == '.' && !bracket) {
        segments.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    segments.add(current.toString());
    return segments;
  }
}
