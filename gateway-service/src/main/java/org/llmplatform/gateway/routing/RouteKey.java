package org.llmplatform.gateway.routing;

import java.util.List;

/**
 * What a request is routed by.
 *
 * @param sessionId the conversation's session, or null
 * @param promptIds the prompt's tokens
 */
public record RouteKey(String sessionId, List<Integer> promptIds) {}
