package org.llmplatform.gateway.docs;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.llmplatform.gateway.GatewayApplication;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.JsonNode;

/**
 * The OpenAPI document of the public API ({@code /v3/api-docs}; Swagger UI at {@code /docs}), both
 * served without an API key: what springdoc reads from the controllers and records of {@code
 * /v1/**} ({@code springdoc.paths-to-match}), with a title, the build's version and the bearer API
 * key as the security scheme of every operation.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiDocs {

  /** Name of the security scheme: {@code Authorization: Bearer <key>}. */
  static final String API_KEY = "api-key";

  static {
    // the session pass-through reads its bodies as JSON trees, which swagger-core (Jackson 2) would
    // describe as a bean of Jackson 3's node accessors; PublicOperations names their real schemas
    SpringDocUtils.getConfig().replaceWithSchema(JsonNode.class, new ObjectSchema());
  }

  @Bean
  OpenAPI publicApi() {
    String version = GatewayApplication.class.getPackage().getImplementationVersion();
    return new OpenAPI()
        .info(
            new Info()
                .title("llm-platform gateway")
                .version(version == null ? "development" : version)
                .description(
                    "OpenAI-compatible API of the llm-platform: chat completions and completions,"
                        + " streamed as Server-Sent Events or not, the served models, and"
                        + " conversations kept between turns (sessions). Errors are OpenAI's"
                        + " {\"error\":{\"message\",\"type\",\"param\",\"code\"}}."))
        .components(
            new Components()
                .addSecuritySchemes(
                    API_KEY,
                    new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .description("An API key of the gateway: Authorization: Bearer <key>")))
        .addSecurityItem(new SecurityRequirement().addList(API_KEY));
  }
}
