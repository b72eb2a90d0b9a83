package org.llmplatform.gateway;

import org.llmplatform.api.tokenizer.DjlOffline;
import org.llmplatform.http.ReadAfterEachResponse;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/** The public OpenAI-compatible API in front of the tokenizer, inference and session services. */
@SpringBootApplication
@Import(ReadAfterEachResponse.class)
@ConfigurationPropertiesScan
public class GatewayApplication {

  public static void main(String[] args) {
    DjlOffline.prepare();
    SpringApplication.run(GatewayApplication.class, args);
  }
}
