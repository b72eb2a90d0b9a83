package org.llmplatform.tokenizer.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.llmplatform.tokenizer.model.TestModels;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A client that gives up (the gateway's time-out) stops the render it asked for: issue 16's renders
 * went on burning CPU after the gateway had answered 504.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CancelledRenderApiTest {

  @DynamicPropertySource
  static void models(DynamicPropertyRegistry registry) {
    registry.add("llm.tokenizer.models.gqa.dir", TestModels::tinyLlamaGqa);
    registry.add(
        "llm.tokenizer.models.slow.dir",
        () -> TemplateModels.withTemplate(TemplateLimitsApiTest.SLOW));
    registry.add("llm.tokenizer.default-model", () -> "gqa");
    registry.add("llm.tokenizer.template.render-timeout", () -> "10m");
  }

  @LocalServerPort int port;

  @Test
  void aCancelledRequestStopsItsRender() throws InterruptedException {
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long before = os.getProcessCpuTime();
    assertThatThrownBy(
            () ->
                WebTestClient.bindToServer()
                    .baseUrl("http://127.0.0.1:" + port)
                    .responseTimeout(Duration.ofMillis(700))
                    .build()
                    .post()
                    .uri("/v1/internal/tokenize")
                    .bodyValue(Map.of("model", "slow", "messages", TemplateModels.messages(20_000)))
                    .exchange())
        .hasMessageContaining("Timeout");
    // the render was running
    assertThat(Duration.ofNanos(os.getProcessCpuTime() - before))
        .isGreaterThan(Duration.ofMillis(300));
    // a render left running would keep a core busy for its 10-minute limit: some half-second
    // within the next five must be nearly idle (the JIT, GC and a loaded machine add a little)
    Duration quietest = Duration.ofDays(1);
    for (int window = 0; window < 10 && quietest.toMillis() >= 150; window++) {
      long start = os.getProcessCpuTime();
      Thread.sleep(500);
      Duration used = Duration.ofNanos(os.getProcessCpuTime() - start);
      quietest = used.compareTo(quietest) < 0 ? used : quietest;
    }
    assertThat(quietest).isLessThan(Duration.ofMillis(150));
  }
}
