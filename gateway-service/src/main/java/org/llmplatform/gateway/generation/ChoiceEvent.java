package org.llmplatform.gateway.generation;

/**
 * An event of one choice of an answer.
 *
 * @param index the choice's index in the response
 */
public record ChoiceEvent(int index, GenerationEvent event) {}
