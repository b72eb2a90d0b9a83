package org.llmplatform.gateway.error;

/**
 * Marks a record a client sends: a field it does not declare is refused with 400 {@code
 * unsupported_parameter} instead of being dropped ({@link StrictRequestJson}).
 */
public interface ClientRequest {}
