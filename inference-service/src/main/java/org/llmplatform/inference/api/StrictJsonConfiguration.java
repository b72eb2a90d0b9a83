package org.llmplatform.inference.api;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;

/**
 * Request bodies are read as they are typed: Jackson's defaults would turn {@code "8"} into 8,
 * {@code 8.5} into 8 and {@code 1} into true, so a client's mistake ran with a value it did not
 * send. With coercion off such a body is a 400 naming the field ({@link ApiErrorHandler}). A null
 * inside an array or object is refused by the reader too, so it is reported at its path instead of
 * failing the record's constructor.
 */
@Configuration(proxyBeanMethods = false)
class StrictJsonConfiguration {

  @Bean
  JsonMapperBuilderCustomizer strictRequestTypes() {
    return builder ->
        builder
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .changeDefaultNullHandling(n -> JsonSetter.Value.forContentNulls(Nulls.FAIL));
  }
}
