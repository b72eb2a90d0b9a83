package org.llmplatform.http.error;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.type.LogicalType;

/**
 * Request bodies are read as they are typed, in every service that has llm-http: Jackson's defaults
 * would turn {@code "8"} into 8, {@code 8.5} into 8, {@code 1} into true and {@code 5} into {@code
 * "5"}, so a client's mistake ran with a value it did not send. With coercion off such a body fails
 * to read, and {@link ErrorResponses#unreadable} answers 400 naming the field. The same mapper
 * reads what a service receives from another, which sends its values typed.
 */
@AutoConfiguration
public class StrictJsonConfiguration {

  @Bean
  JsonMapperBuilderCustomizer strictJsonTypes() {
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
