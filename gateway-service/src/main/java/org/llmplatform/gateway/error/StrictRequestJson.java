package org.llmplatform.gateway.error;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.deser.DeserializationProblemHandler;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.type.LogicalType;

/**
 * Request bodies are read as they are typed, as OpenAI reads them: Jackson's defaults would turn
 * {@code "max_tokens":"8"} into 8, {@code 8.5} into 8 and {@code "stop":5} into {@code "5"}, so a
 * client's mistake ran with a value it did not send. With coercion off such a body is a 400 naming
 * the field ({@link Errors}).
 *
 * <p>A field a {@link ClientRequest} does not know is refused too (400 {@code
 * unsupported_parameter}): Jackson would drop it, and a client asking for {@code response_format}
 * or {@code tools} would get free text with a 200. Fields accepted and ignored on purpose are
 * listed on the records ({@code @JsonIgnoreProperties}). Downstream answers are read leniently.
 */
@Configuration(proxyBeanMethods = false)
class StrictRequestJson {

  @Bean
  JsonMapperBuilderCustomizer strictRequestTypes() {
    return builder ->
        builder
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .withCoercionConfig(
                LogicalType.Textual,
                text ->
                    text.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .addHandler(new RefuseUnknownClientFields());
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
