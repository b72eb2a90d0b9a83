// The conversation as the page shows it: one <article> per message, the answer being streamed
// written into as its pieces come, and a line of figures under each answer. Text is only ever set
// as text (never as HTML): a model's output cannot run script in the page that holds the key.

export class ConversationView {
  #section;

  constructor(section) {
    this.#section = section;
  }

  /** Empties the view, showing `hint` until the first message. */
  clear(hint) {
    this.#section.replaceChildren(element('p', 'empty', hint));
  }

  /** A message already in the conversation (sent, or read from a session). */
  message(message) {
    const article = this.#article(message.role);
    article.dataset.state = 'done';
    const body = message.role === 'tool' ? `result of ${message.tool_call_id}: ${message.content}` : message.content;
    article.querySelector('.content').textContent = body ?? '';
    if (message.tool_calls?.length) {
      showCalls(article, message.tool_calls);
    }
    if (message.role === 'assistant' && message.token_count != null) {
      article.append(element('p', 'stats', `${message.token_count} tokens`));
    }
    this.#scroll(true);
    return article;
  }

  /**
   * An answer about to stream: the returned view takes its pieces (`text`, `toolCalls`), then
   * `finish(answer, note)` or `fail(error)`.
   */
  answer() {
    const article = this.#article('assistant');
    article.dataset.state = 'streaming';
    article.setAttribute('aria-busy', 'true');
    const content = article.querySelector('.content');
    return {
      text: piece => {
        const follow = this.#atBottom();
        content.append(piece);
        this.#scroll(follow);
      },
      toolCalls: calls => showCalls(article, calls),
      finish: (answer, note) => {
        article.dataset.state = answer.stopped ? 'stopped' : 'done';
        article.removeAttribute('aria-busy');
        content.normalize();
        if (answer.toolCalls.length && !answer.stopped) {
          askResults(article, answer.toolCalls);
        }
        article.append(stats(answer, note));
        this.#scroll(true);
      },
      fail: error => {
        article.dataset.state = 'error';
        article.removeAttribute('aria-busy');
        article.append(element('p', 'error', error.message));
        this.#scroll(true);
      },
    };
  }

  /** The results typed for the last answer's tool calls, as tool messages; [] when none is asked. */
  toolResults() {
    const fields = [...this.#section.querySelectorAll('article:last-of-type .tool-result:enabled')];
    return fields.map(field => ({role: 'tool', tool_call_id: field.dataset.callId, content: field.value}));
  }

  /** Marks the asked tool results as sent. */
  toolResultsSent() {
    this.#section.querySelectorAll('.tool-result').forEach(field => (field.disabled = true));
  }

  #article(role) {
    this.#section.querySelector('.empty')?.remove();
    const article = element('article', `message ${role}`);
    article.append(element('h3', 'role', role), element('div', 'content'));
    this.#section.append(article);
    return article;
  }

  #atBottom() {
    const s = this.#section;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 40;
  }

  #scroll(follow) {
    if (follow) {
      this.#section.scrollTop = this.#section.scrollHeight;
    }
  }
}

function element(tag, className, text) {
  const e = document.createElement(tag);
  if (className) {
    e.className = className;
  }
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

function showCalls(article, calls) {
  let list = article.querySelector('.tool-calls');
  if (!list) {
    list = element('ul', 'tool-calls');
    article.querySelector('.content').after(list);
  }
  list.replaceChildren(
    ...calls.map(call => element('li', null, `${call.function.name}(${call.function.arguments})`)),
  );
}

/** Under each call, a field for its result: sent as a tool message with the next message. */
function askResults(article, calls) {
  const list = article.querySelector('.tool-calls');
  calls.forEach((call, i) => {
    const id = `result-${call.id ?? crypto.randomUUID()}`;
    const label = element('label', null, `Result of ${call.function.name}, sent with your next message`);
    label.htmlFor = id;
    const field = element('textarea', 'tool-result code');
    field.id = id;
    field.rows = 2;
    field.dataset.callId = call.id;
    list.children[i].append(label, field);
  });
}

/** The answer's figures; the numbers also as data attributes, for tools that read the page. */
function stats(answer, note) {
  const p = element('p', 'stats');
  const parts = [];
  const usage = answer.usage;
  if (usage) {
    parts.push(`${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion tokens`);
    p.dataset.promptTokens = usage.prompt_tokens;
    p.dataset.completionTokens = usage.completion_tokens;
  } else {
    parts.push(`${answer.pieces} pieces`);
  }
  if (answer.ttftMs !== null) {
    parts.push(`TTFT ${Math.round(answer.ttftMs)} ms`);
    p.dataset.ttftMs = Math.round(answer.ttftMs);
  }
  if (answer.tokensPerSecond !== null) {
    parts.push(`${answer.tokensPerSecond.toFixed(1)} tokens/s`);
    p.dataset.tokensPerSecond = answer.tokensPerSecond.toFixed(1);
  }
  parts.push(answer.stopped ? 'stopped' : (answer.finishReason ?? 'ended'));
  if (note) {
    parts.push(note);
  }
  p.textContent = parts.join(' · ');
  return p;
}
