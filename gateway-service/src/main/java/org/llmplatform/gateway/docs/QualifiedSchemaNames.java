package org.llmplatform.gateway.docs;

import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverter;
import io.swagger.v3.core.converter.ModelConverterContext;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.models.media.Schema;
import java.util.Iterator;
import org.springframework.stereotype.Component;

/**
 * Names the schema of a nested type by its enclosing types too ({@code ChatResponses.Choice},
 * {@code CompletionController.Choice}): swagger-core names schemas by simple class name, so the
 * chat and completions APIs' {@code Choice}, {@code Usage} or {@code StreamOptions} would otherwise
 * be one schema, the last read. A name set by {@code @Schema(name)} is kept.
 */
@Component
class QualifiedSchemaNames implements ModelConverter {

  private static final String PROJECT_PACKAGE = "org.llmplatform.";

  @Override
  public Schema<?> resolve(
      AnnotatedType type, ModelConverterContext context, Iterator<ModelConverter> chain) {
    if (type.getName() == null || type.getName().isBlank()) {
      Class<?> raw = Json.mapper().constructType(type.getType()).getRawClass();
      var declared = raw.getAnnotation(io.swagger.v3.oas.annotations.media.Schema.class);
      if (raw.getEnclosingClass() != null
          && raw.getName().startsWith(PROJECT_PACKAGE)
          && (declared == null || declared.name().isEmpty())) {
        type.name(qualifiedName(raw));
      }
    }
    return chain.hasNext() ? chain.next().resolve(type, context, chain) : null;
  }

  private static String qualifiedName(Class<?> type) {
    return type.getEnclosingClass() == null
        ? type.getSimpleName()
        : qualifiedName(type.getEnclosingClass()) + "." + type.getSimpleName();
  }
}
