package org.llmplatform.tokenizer;

import org.llmplatform.api.tokenizer.DjlOffline;
import org.llmplatform.http.ReadAfterEachResponse;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/** Entry point of the tokenizer service (port 8081). */
@SpringBootApplication
@Import(ReadAfterEachResponse.class)
@ConfigurationPropertiesScan
public class TokenizerApplication {

  public static void main(String[] args) {
    DjlOffline.prepare();
    SpringApplication.run(TokenizerApplication.class, args);
  }
}
