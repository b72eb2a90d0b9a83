package org.llmplatform.gateway.error;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.deser.DeserializationProblemHandler;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Request bodies are read as they are typed, as OpenAI reads them: no scalar coercion ({@code
 * "max_tokens":"8"}, {@code 8.5} for an integer, {@code "stop":5} are 400 naming the field, by
 * llm-http's {@code StrictJsonConfiguration}, which every service shares).
 *
 * <p>Here: a field a {@link ClientRequest} does not know is refused (400 {@code
 * unsupported_parameter}): Jackson would drop it, and a client asking for {@code response_format}
 * or {@code tools} would get free text with a 200. Fields accepted and ignored on purpose are
 * listed on the records ({@code @JsonIgnoreProperties}). Downstream answers are read leniently.
 */
@Configuration(proxyBeanMethods = false)
class StrictRequestJson {

  @Bean
  JsonMapperBuilderCustomizer refuseUnknownClientFields() {
    return builder -> builder.addHandler(new RefuseUnknownClientFields());
  }

  /** Unknown fields of the public request records fail the read; of other types, are skipped. */
  private static final class RefuseUnknownClientFields extends DeserializationProblemHandler {
    @Override
    public boolean handleUnknownProperty(
        DeserializationContext context,
        JsonParser parser,
        ValueDeserializer<?> deserializer,
        Object beanOrClass,
        String propertyName) {
      Class<?> type = beanOrClass instanceof Class<?> c ? c : beanOrClass.getClass();
      if (ClientRequest.class.isAssignableFrom(type)) {
        throw UnrecognizedPropertyException.from(parser, beanOrClass, propertyName, null);
      }
      return false;
    }
  }
}
