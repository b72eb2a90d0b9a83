package org.llmplatform.gateway.error;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.type.LogicalType;

/**
 * Request bodies are read as they are typed, as OpenAI reads them: Jackson's defaults would turn
 * {@code "max_tokens":"8"} into 8, {@code 8.5} into 8 and {@code "stop":5} into {@code "5"}, so a
 * client's mistake ran with a value it did not send. With coercion off such a body is a 400 naming
 * the field ({@link Errors}).
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
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail));
  }
}
