// The gateway's API as the page calls it: same origin, paths relative to the page (so it also works
// behind a path prefix), the caller's key as a bearer token, OpenAI's error JSON thrown as ApiError.

/** An error answer: HTTP status, and the error object's message, code and param. */
export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `the gateway answered ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = error?.code ?? null;
    this.param = error?.param ?? null;
  }

  static async of(response) {
    let error = null;
    try {
      error = (await response.json()).error;
    } catch {
      // not the error JSON: keep the status
    }
    return new ApiError(response.status, error);
  }
}

export class Gateway {
  #key;

  constructor(key) {
    this.#key = key;
  }

  /** The served models' ids, the default first. */
  async models() {
    return (await this.#call('GET', 'v1/models')).data.map(model => model.id);
  }

  /** The caller's sessions (the newest hundred session-service lists). */
  async sessions() {
    return (await this.#call('GET', 'v1/sessions?limit=100')).data;
  }

  createSession(fields) {
    return this.#call('POST', 'v1/sessions', fields);
  }

  deleteSession(id) {
    return this.#call('DELETE', `v1/sessions/${encodeURIComponent(id)}`);
  }

  /** The session's system prompt and messages, oldest first. */
  history(id) {
    return this.#call('GET', `v1/sessions/${encodeURIComponent(id)}/messages`);
  }

  /**
   * A streamed chat completion: yields each chunk object; throws ApiError for an error answer or
   * an error event, and the fetch's AbortError once the signal aborts (the gateway then cancels
   * the generation upstream).
   */
  async *chat(body, signal) {
    const response = await fetch('v1/chat/completions', {
      method: 'POST',
      headers: this.#headers(true),
      body: JSON.stringify({...body, stream: true, stream_options: {include_usage: true}}),
      signal,
    });
    if (!response.ok) {
      throw await ApiError.of(response);
    }
    for await (const data of serverSentData(response.body)) {
      if (data === '[DONE]') {
        return;
      }
      const chunk = JSON.parse(data);
      if (chunk.error) {
        throw new ApiError(response.status, chunk.error);
      }
      yield chunk;
    }
  }

  async #call(method, path, body) {
    const response = await fetch(path, {
      method,
      headers: this.#headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      throw await ApiError.of(response);
    }
    return response.status === 204 ? null : response.json();
  }

  #headers(json) {
    const headers = {Authorization: `Bearer ${this.#key}`};
    if (json) {
      headers['Content-Type'] = 'application/json';
    }
    return headers;
  }
}

/** The data of each server-sent event of a byte stream (comments and other fields skipped). */
async function* serverSentData(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const {value, done} = await reader.read();
      if (done) {
        return;
      }
      buffer += value;
      let end;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        const data = event
          .split(/\r?\n/)
          .filter(line => line.startsWith('data:'))
          .map(line => line.slice(5).replace(/^ /, ''));
        if (data.length > 0) {
          yield data.join('\n');
        }
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
