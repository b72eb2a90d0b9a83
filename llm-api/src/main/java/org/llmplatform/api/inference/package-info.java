/**
 * Wire records of inference-service's internal API ({@code /v1/internal/generate}, {@code
 * /v1/internal/model}, {@code /v1/internal/kv-events}) and the block hash ({@link
 * org.llmplatform.api.inference.PrefixBlocks}) that inference-service and the gateway share.
 */
package org.llmplatform.api.inference;
