// The playground page: the key and model, the sessions, and one turn at a time. With "keep
// conversations in sessions" each conversation is a session of the gateway (created by its first
// message, titled by it; each turn sends only the new message and the gateway adds the history);
// without, the page keeps the conversation and sends it whole each turn.

import {ApiError, Gateway} from './api.js';
import {streamAnswer} from './answer.js';
import {ConversationView} from './conversation.js';
import {SessionList, title} from './sessions.js';
import {Settings, SettingsError} from './settings.js';

const KEY_STORAGE = 'llm-playground.key';
const MODEL_STORAGE = 'llm-playground.model';
const TITLE_LENGTH = 60;
const $ = id => document.getElementById(id);

const settings = new Settings($('settings'));
const conversation = new ConversationView($('messages'));
const sessionList = new SessionList($('session-list'), {resume, remove});

const state = {
  gateway: null, // with the key that listed the models
  session: null, // the open session (session-service's object), or null
  history: [], // without a session: the conversation so far
  running: null, // the AbortController of the answer being streamed
};

function status(text, error = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
}

function report(error) {
  if (error instanceof SettingsError) {
    status(error.message, true);
    error.input.closest('details').open = true;
    error.input.focus();
  } else if (error instanceof ApiError && error.status === 401) {
    status(`The gateway refused the key: ${error.message}`, true);
    $('api-key').focus();
  } else {
    const code = error instanceof ApiError && error.code ? ` (${error.code})` : '';
    status(`${error.message}${code}`, true);
  }
}

async function useKey(key) {
  const gateway = new Gateway(key);
  const select = $('model');
  try {
    const models = await gateway.models();
    const chosen = localStorage.getItem(MODEL_STORAGE);
    select.replaceChildren(...models.map(id => new Option(id, id, false, id === chosen)));
    select.disabled = false;
    state.gateway = gateway;
    localStorage.setItem(KEY_STORAGE, key);
    status(`Key accepted: ${models.length} model${models.length === 1 ? '' : 's'}.`);
    await refreshSessions();
    $('prompt').focus();
  } catch (error) {
    state.gateway = null;
    select.replaceChildren(new Option('enter a key first', ''));
    select.disabled = true;
    report(error);
  }
}

function forgetKey() {
  localStorage.removeItem(KEY_STORAGE);
  state.gateway = null;
  $('api-key').value = '';
  $('session-list').replaceChildren();
  newConversation();
  status('Key forgotten: it is no longer kept in this browser.');
  $('api-key').focus();
}

async function refreshSessions() {
  const note = $('session-note');
  if (!$('use-session').checked) {
    $('session-list').replaceChildren();
    note.textContent = 'Conversations stay in this page only.';
    return;
  }
  if (!state.gateway) {
    return;
  }
  try {
    const sessions = await state.gateway.sessions();
    sessionList.show(sessions, state.session?.id);
    note.textContent = sessions.length ? '' : 'No sessions yet: your first message starts one.';
  } catch (error) {
    note.textContent = `Sessions unavailable: ${error.message}`;
  }
}

function newConversation() {
  state.running?.abort();
  state.session = null;
  state.history = [];
  settings.fixSystemPrompt(null);
  $('system-note').textContent = '';
  conversation.clear('New conversation: send a message to start it.');
  $('session-list').querySelector('[aria-current]')?.removeAttribute('aria-current');
  $('prompt').focus();
}

async function resume(session) {
  state.running?.abort();
  try {
    const history = await state.gateway.history(session.id);
    state.session = session;
    state.history = [];
    settings.fixSystemPrompt(history.system_prompt ?? '');
    $('system-note').textContent = 'Set when the session was created.';
    if ([...$('model').options].some(option => option.value === session.model)) {
      $('model').value = session.model;
    }
    conversation.clear('This session has no messages yet.');
    history.messages.forEach(message => conversation.message(message));
    status(`Resumed "${title(session)}": ${history.messages.length} messages.`);
    await refreshSessions();
    $('prompt').focus();
  } catch (error) {
    report(error);
  }
}

async function remove(session) {
  try {
    await state.gateway.deleteSession(session.id);
    if (state.session?.id === session.id) {
      newConversation();
    }
    status(`Deleted "${title(session)}".`);
    await refreshSessions();
  } catch (error) {
    report(error);
  }
}

async function send() {
  if (state.running) {
    return;
  }
  if (!state.gateway) {
    status('Enter your API key first.', true);
    $('api-key').focus();
    return;
  }
  const text = $('prompt').value.trim();
  const added = conversation.toolResults();
  if (text) {
    added.push({role: 'user', content: text});
  }
  if (added.length === 0) {
    return;
  }
  const controller = new AbortController();
  const history = state.history; // a new conversation started meanwhile gets a new one
  state.running = controller;
  busy(true);
  try {
    const request = {model: $('model').value, ...settings.requestFields()};
    if ($('use-session').checked && !state.session) {
      await startSession(request.model, text);
    }
    request.messages = state.session ? added : [...systemMessage(), ...history, ...added];
    if (state.session) {
      request.session_id = state.session.id;
    }
    $('prompt').value = '';
    conversation.toolResultsSent();
    added.forEach(message => conversation.message(message));
    const view = conversation.answer();
    status('Answering… (Esc stops)');
    let answer;
    try {
      answer = await streamAnswer(state.gateway, request, controller.signal, view);
    } catch (error) {
      view.fail(error);
      throw error;
    }
    const unstored = answer.stopped && state.session ? 'not stored in the session' : null;
    view.finish(answer, unstored);
    if (!state.session) {
      history.push(...added, {role: 'assistant', content: answer.content, ...calls(answer)});
    }
    status(answer.stopped ? 'Stopped.' : 'Done.');
  } catch (error) {
    if (!$('prompt').value) {
      $('prompt').value = text;
    }
    report(error);
  } finally {
    state.running = null;
    busy(false);
  }
  refreshSessions(); // the list's order and titles; the next message need not wait for it
}

async function startSession(model, firstMessage) {
  const fields = {model, metadata: {title: firstMessage.slice(0, TITLE_LENGTH) || 'Tool results'}};
  if (settings.systemPrompt) {
    fields.system_prompt = settings.systemPrompt;
  }
  state.session = await state.gateway.createSession(fields);
  settings.fixSystemPrompt(state.session.system_prompt ?? '');
  $('system-note').textContent = 'Set when the session was created.';
}

function systemMessage() {
  return settings.systemPrompt ? [{role: 'system', content: settings.systemPrompt}] : [];
}

function calls(answer) {
  return answer.toolCalls.length ? {tool_calls: answer.toolCalls} : {};
}

function busy(on) {
  $('send').disabled = on;
  $('stop').disabled = !on;
}

$('key-form').addEventListener('submit', event => {
  event.preventDefault();
  useKey($('api-key').value.trim());
});
$('forget-key').addEventListener('click', forgetKey);
$('model').addEventListener('change', () => localStorage.setItem(MODEL_STORAGE, $('model').value));
$('new-session').addEventListener('click', newConversation);
$('use-session').addEventListener('change', () => {
  newConversation();
  refreshSessions();
});
$('composer').addEventListener('submit', event => {
  event.preventDefault();
  send();
});
$('stop').addEventListener('click', () => state.running?.abort());
$('prompt').addEventListener('keydown', event => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
});
document.addEventListener('keydown', event => {
  if (event.key === 'Escape' && state.running) {
    event.preventDefault();
    state.running.abort();
  } else if (event.altKey && event.key.toLowerCase() === 'n') {
    event.preventDefault();
    newConversation();
  }
});

if (matchMedia('(max-width: 50rem)').matches) {
  $('sessions-panel').open = false;
  $('settings-panel').open = false;
}
const storedKey = localStorage.getItem(KEY_STORAGE);
if (storedKey) {
  $('api-key').value = storedKey;
  useKey(storedKey);
} else {
  status('Enter your API key to start.');
  $('api-key').focus();
}
