// The list of the caller's sessions: each one resumed by its title, deleted in two presses
// (Delete, then Sure?) so that one stray key press cannot lose a conversation.

const CONFIRM_FOR_MS = 4000;

/** A session's title: the one the page gave it (its first message), else its id's start. */
export function title(session) {
  return session.metadata?.title || `Session ${session.id.slice(0, 8)}`;
}

export class SessionList {
  #list;
  #actions;

  /** `actions`: {resume(session), remove(session)}. */
  constructor(list, actions) {
    this.#list = list;
    this.#actions = actions;
  }

  show(sessions, currentId) {
    const newest = [...sessions].sort((a, b) => (b.updated_at ?? '').localeCompare(a.updated_at ?? ''));
    this.#list.replaceChildren(...newest.map(session => this.#item(session, session.id === currentId)));
  }

  #item(session, current) {
    const item = document.createElement('li');
    item.dataset.sessionId = session.id;
    const resume = document.createElement('button');
    resume.type = 'button';
    resume.className = 'resume';
    resume.textContent = title(session);
    const details = document.createElement('small');
    const updated = new Date(session.updated_at);
    const when = updated.toLocaleString([], {dateStyle: 'short', timeStyle: 'short'});
    details.textContent = [session.model, when].filter(Boolean).join(' · ');
    resume.append(details);
    if (current) {
      resume.setAttribute('aria-current', 'true');
    }
    resume.addEventListener('click', () => this.#actions.resume(session));

    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'delete';
    remove.textContent = 'Delete';
    remove.setAttribute('aria-label', `Delete ${title(session)}`);
    let armed = null;
    remove.addEventListener('click', () => {
      if (armed === null) {
        remove.textContent = 'Sure?';
        remove.classList.add('armed');
        armed = setTimeout(() => {
          armed = null;
          remove.textContent = 'Delete';
          remove.classList.remove('armed');
        }, CONFIRM_FOR_MS);
        return;
      }
      clearTimeout(armed);
      this.#actions.remove(session);
    });
    item.append(resume, remove);
    return item;
  }
}
