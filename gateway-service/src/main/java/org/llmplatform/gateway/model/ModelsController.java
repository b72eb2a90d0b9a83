package org.llmplatform.gateway.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.llmplatform.gateway.error.ApiException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /v1/models} and {@code GET /v1/models/{id}} in OpenAI's format. */
@RestController
class ModelsController {

  record Model(String id, String object, long created, @JsonProperty("owned_by") String ownedBy) {}

  record ModelList(String object, List<Model> data) {}

  private final ModelCatalog catalog;

  ModelsController(ModelCatalog catalog) {
    this.catalog = catalog;
  }

  @GetMapping("/v1/models")
  ModelList list() {
    return new ModelList("list", catalog.names().stream().map(this::model).toList());
  }

  @GetMapping("/v1/models/{id}")
  Model get(@PathVariable String id) {
    if (!catalog.contains(id)) {
      throw ApiException.notFound(
          "model_not_found", "model", "The model '" + id + "' does not exist");
    }
    return model(id);
  }

  private Model model(String id) {
    return new Model(id, "model", catalog.created().getEpochSecond(), "llm-platform");
  }
}
