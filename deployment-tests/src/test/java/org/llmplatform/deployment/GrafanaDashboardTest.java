package org.llmplatform.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The chart's Grafana dashboard parses and every panel queries something; the reading of metric
 * names out of PromQL. That every name is one the services export is checked on the running
 * platform ({@link LauncherIT}).
 */
class GrafanaDashboardTest {

  @Test
  void theDashboardParsesAndEveryPanelQueriesMetrics() throws Exception {
    GrafanaDashboard dashboard = GrafanaDashboard.load();

    assertThat(dashboard.json.get("uid")).isEqualTo("llm-platform");
    assertThat(dashboard.json.toString()).contains("type=datasource", "query=prometheus");
    var ids = new HashSet<Object>();
    for (Map<String, Object> panel : dashboard.panels()) {
      assertThat(ids.add(panel.get("id"))).as("panel id %s is unique", panel.get("id")).isTrue();
      assertThat(GrafanaDashboard.queries(panel)).as("%s", panel.get("title")).isNotEmpty();
      for (String query : GrafanaDashboard.queries(panel)) {
        assertThat(GrafanaDashboard.metricNames(query)).as(query).isNotEmpty();
      }
    }
    assertThat(dashboard.metricNames())
        .contains(
            "llm_gateway_errors_total",
            "llm_time_to_first_token_seconds_bucket",
            "llm_num_requests_waiting",
            "llm_kv_slots_in_use");
  }

  @Test
  void metricNamesAreReadOutOfPromQl() {
    assertThat(
            GrafanaDashboard.metricNames(
                "histogram_quantile(0.99, sum by (le, model) (rate(llm_x_seconds_bucket{model=~\"$m\","
                    + " le!=\"+Inf\"}[$__rate_interval])))"))
        .isEqualTo(Set.of("llm_x_seconds_bucket"));
    assertThat(
            GrafanaDashboard.metricNames(
                "sum(rate(a_total[5m])) / clamp_min(sum without (pod) (rate(b_total[5m])), 1)"
                    + " and on (job) up offset 5m"))
        .isEqualTo(Set.of("a_total", "b_total", "up"));
    assertThat(GrafanaDashboard.metricNames("max by (name, state) (resilience4j_x_state)"))
        .isEqualTo(Set.of("resilience4j_x_state"));
  }

  @Test
  void exposedNamesAreReadOutOfTheTextFormat() {
    assertThat(
            GrafanaDashboard.exposed(
                """
                # HELP llm_batch_size Rows
                # TYPE llm_batch_size gauge
                llm_batch_size 3.0
                llm_e2e_seconds_bucket{le="0.1",} 2.0
                """))
        .isEqualTo(Set.of("llm_batch_size", "llm_e2e_seconds_bucket"));
  }
}
