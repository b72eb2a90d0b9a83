package org.llmplatform.api.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.llmplatform.api.error.InvalidFieldException;

class GenerateRequestTest {

  @Test
  void acceptsImmutableListsOfIds() {
    GenerateRequest request = GenerateRequest.of(List.of(1, 2, 3));
    assertThat(request.inputIds()).containsExactly(1, 2, 3);
  }

  @Test
  void refusesANullIdNamingTheField() {
    assertThatThrownBy(() -> GenerateRequest.of(Arrays.asList(1, null)))
        .isInstanceOf(InvalidFieldException.class)
        .hasMessageContaining("input_ids");
  }

  @Test
  void copiesTheIdsSoLaterChangesToTheCallersListDoNotLeakIn() {
    List<Integer> ids = new ArrayList<>(List.of(4, 5));
    GenerateRequest request = GenerateRequest.of(ids);
    ids.add(6);
    assertThat(request.inputIds()).containsExactly(4, 5);
  }
}
