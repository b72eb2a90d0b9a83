package org.llmplatform.http.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class LoopbackWithoutTokenTest {

  @Test
  void withoutATokenTheDefaultAddressIsLoopback() {
    assertThat(addressAfter(Map.of())).isEqualTo("127.0.0.1");
  }

  @Test
  void anExplicitAddressStillWins() {
    assertThat(addressAfter(Map.of("server.address", "0.0.0.0"))).isEqualTo("0.0.0.0");
  }

  @Test
  void withATokenNothingChanges() {
    assertThat(addressAfter(Map.of("llm.internal.token", "0123456789abcdef"))).isNull();
  }

  @Test
  void thePublicEdgeIsNotMoved() {
    assertThat(addressAfter(Map.of("llm.internal.public-edge", "true"))).isNull();
  }

  @Test
  void aRealServiceWithoutATokenListensOnLoopbackOnly() {
    var app = new SpringApplication(Service.class);
    app.setWebApplicationType(WebApplicationType.REACTIVE);
    try (var context = app.run("--server.port=0", "--spring.main.banner-mode=off")) {
      assertThat(context.getEnvironment().getProperty("server.address")).isEqualTo("127.0.0.1");
      assertThat(((WebServerApplicationContext) context).getWebServer().getPort()).isPositive();
      assertThat(context.getBean("internalTokenFilter")).isNotInstanceOf(InternalTokenFilter.class);
    }
  }

  @Test
  void aRealServiceWithATokenHasTheFilter() {
    var app = new SpringApplication(Service.class);
    app.setWebApplicationType(WebApplicationType.REACTIVE);
    try (var context =
        app.run(
            "--server.port=0",
            "--spring.main.banner-mode=off",
            "--llm.internal.token=0123456789abcdef")) {
      assertThat(context.getEnvironment().getProperty("server.address")).isNull();
      assertThat(context.getBean("internalTokenFilter")).isInstanceOf(InternalTokenFilter.class);
    }
  }

  private static String addressAfter(Map<String, Object> properties) {
    var environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
    new LoopbackWithoutToken().postProcessEnvironment(environment, new SpringApplication());
    return environment.getProperty("server.address");
  }

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class Service {}
}
