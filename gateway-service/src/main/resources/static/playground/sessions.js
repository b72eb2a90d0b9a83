// The list of the caller's sessions: each one resumed by its title, deleted in two presses
// (Delete, then Sure?) so that one stray key press cannot lose a conversation. The list is drawn
// anew after each turn: a Delete pressed once and the focus stay where they were.

const CONFIRM_FOR_MS = 4000;

/** A session's title: the one the page gave it (its first message), else its id's start. */
export function title(session) {
  return session.metadata?.title || `Session ${session.id.slice(0, 8)}`;
}

export class SessionList {
  #list;
  #actions;
  #armed = null; // {id, timer}: the session whose Delete was pressed once

  /** `actions`: {resume(session), remove(session)}. */
  constructor(list, actions) {
    this.#list = list;
    this.#actions = actions;
  }

  show(sessions, currentId) {
    const focused = document.activeElement?.closest('#session-list li') ? document.activeElement : null;
    const focus = focused && {id: focused.closest('li').dataset.sessionId, button: focused.className.split(' ')[0]};
    const newest = [...sessions].sort((a, b) => (b.updated_at ?? '').localeCompare(a.updated_at ?? ''));
    this.#list.replaceChildren(...newest.map(session => this.#item(session, session.id === currentId)));
    if (focus) {
      this.#list.querySelector(`li[data-session-id="${CSS.escape(focus.id)}"] .${focus.button}`)?.focus();
    }
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
    remove.setAttribute('aria-label', `Delete ${title(session)}`);
    showArmed(remove, this.#armed?.id === session.id);
    remove.addEventListener('click', () => {
      if (this.#armed?.id !== session.id) {
        clearTimeout(this.#armed?.timer);
        this.#list.querySelectorAll('.delete.armed').forEach(other => showArmed(other, false));
        const timer = setTimeout(() => {
          this.#armed = null;
          this.#list.querySelectorAll('.delete.armed').forEach(other => showArmed(other, false));
        }, CONFIRM_FOR_MS);
        this.#armed = {id: session.id, timer};
        showArmed(remove, true);
        return;
      }
      clearTimeout(this.#armed.timer);
      this.#armed = null;
      this.#actions.remove(session);
    });
    item.append(resume, remove);
    return item;
  }
}

function showArmed(button, armed) {
  button.textContent = armed ? 'Sure?' : 'Delete';
  button.classList.toggle('armed', armed);
}
