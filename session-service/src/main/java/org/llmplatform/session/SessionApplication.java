package org.llmplatform.session;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point of the session service (port 8083). */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SessionApplication {

  public static void main(String[] args) {
    SpringApplication.run(SessionApplication.class, args);
  }
}
