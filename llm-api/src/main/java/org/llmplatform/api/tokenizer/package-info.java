/**
 * Wire records of the tokenizer service's internal API ({@code /v1/internal/tokenize}, {@code
 * /v1/internal/detokenize}, {@code /v1/internal/detokenize/stream}, {@code /v1/internal/tokenizer})
 * and the {@link org.llmplatform.api.tokenizer.StreamingDetokenizer} that the gateway runs
 * in-process.
 */
package org.llmplatform.api.tokenizer;
