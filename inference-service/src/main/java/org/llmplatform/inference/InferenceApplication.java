package org.llmplatform.inference;

import org.llmplatform.http.ReadAfterEachResponse;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/** Entry point of the inference service (port 8082). */
@SpringBootApplication
@Import(ReadAfterEachResponse.class)
@ConfigurationPropertiesScan
public class InferenceApplication {

  public static void main(String[] args) {
    SpringApplication.run(InferenceApplication.class, args);
  }
}
