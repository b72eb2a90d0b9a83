/**
 * Wire records of inference-service's internal API ({@code /v1/internal/generate}, {@code
 * /v1/internal/model}).
 */
package org.llmplatform.api.inference;
