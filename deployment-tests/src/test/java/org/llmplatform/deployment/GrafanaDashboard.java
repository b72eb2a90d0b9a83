package org.llmplatform.deployment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The chart's Grafana dashboard (helm/llm-platform/dashboards/llm-platform.json): its panels, their
 * PromQL queries, and the metric names those queries read.
 */
final class GrafanaDashboard {

  static final Path FILE =
      RepoPaths.root().resolve("helm/llm-platform/dashboards/llm-platform.json");

  /** Words of PromQL that stand where a metric name could and are not one. */
  private static final Set<String> KEYWORDS =
      Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "inf");

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern LABEL_MATCHERS = Pattern.compile("\\{[^}]*}");
  private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
  private static final Pattern GROUPING =
      Pattern.compile(
          "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern IDENTIFIER =
      Pattern.compile("(?<![\\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\()?");

  final Map<String, Object> json;

  private GrafanaDashboard(Map<String, Object> json) {
    this.json = json;
  }

  /** The committed dashboard, parsed (JSON is YAML; duplicate keys are refused). */
  @SuppressWarnings("unchecked")
  static GrafanaDashboard load() throws IOException {
    return parse(Files.readString(FILE));
  }

  @SuppressWarnings("unchecked")
  static GrafanaDashboard parse(String text) {
    LoaderOptions strict = new LoaderOptions();
    strict.setAllowDuplicateKeys(false);
    return new GrafanaDashboard((Map<String, Object>) new Yaml(strict).load(text));
  }

  /** Every panel but rows. */
  @SuppressWarnings("unchecked")
  List<Map<String, Object>> panels() {
    return ((List<Map<String, Object>>) json.get("panels"))
        .stream().filter(p -> !"row".equals(p.get("type"))).toList();
  }

  /** The PromQL expressions of a panel's targets. */
  @SuppressWarnings("unchecked")
  static List<String> queries(Map<String, Object> panel) {
    var queries = new ArrayList<String>();
    Object targets = panel.get("targets");
    if (targets instanceof List<?> list) {
      for (Object target : list) {
        queries.add((String) ((Map<String, Object>) target).get("expr"));
      }
    }
    return queries;
  }

  /** Every query of the dashboard. */
  List<String> queries() {
    return panels().stream().flatMap(p -> queries(p).stream()).toList();
  }

  /**
   * The metric names a PromQL expression reads: its identifiers less label matchers, ranges,
   * groupings, strings, functions (an identifier before a parenthesis) and keywords.
   */
  static Set<String> metricNames(String expr) {
    String bare = STRING.matcher(expr).replaceAll("\"\"");
    bare = LABEL_MATCHERS.matcher(bare).replaceAll(" ");
    bare = RANGE.matcher(bare).replaceAll(" ");
    bare = GROUPING.matcher(bare).replaceAll(" ");
    var names = new TreeSet<String>();
    Matcher m = IDENTIFIER.matcher(bare);
    while (m.find()) {
      String name = m.group(1);
      if (m.group(2) == null && !KEYWORDS.contains(name.toLowerCase())) {
        names.add(name);
      }
    }
    return names;
  }

  /** The metric names every query of the dashboard reads. */
  Set<String> metricNames() {
    var names = new TreeSet<String>();
    queries().forEach(q -> names.addAll(metricNames(q)));
    return names;
  }

  /** The metric names of a Prometheus text exposition ({@code /actuator/prometheus}). */
  static Set<String> exposed(String exposition) {
    var names = new TreeSet<String>();
    for (String line : exposition.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int end = line.length();
      for (char stop : new char[] {'{', ' '}) {
        int at = line.indexOf(stop);
        if (at >= 0) {
          end = Math.min(end, at);
        }
      }
      names.add(line.substring(0, end));
    }
    return names;
  }
}
