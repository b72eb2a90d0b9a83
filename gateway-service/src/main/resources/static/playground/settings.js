// The settings form: kept in the browser's storage between visits, and read into a chat request's
// sampling and output fields. An empty field is left out (the gateway's default applies); the
// gateway checks the ranges and names the field it refuses.

const STORAGE_KEY = 'llm-playground.settings';

/** A setting that cannot be sent as it is; `input` is the field to fix. */
export class SettingsError extends Error {
  constructor(input, message) {
    super(message);
    this.name = 'SettingsError';
    this.input = input;
  }
}

export class Settings {
  #form;

  constructor(form) {
    this.#form = form;
    this.#restore();
    form.addEventListener('input', () => this.#save());
    form.addEventListener('change', () => this.#showSchema());
    this.#showSchema();
  }

  get systemPrompt() {
    return this.#input('system-prompt').value.trim();
  }

  /** Shows a session's own system prompt, read-only; null gives the field back to the user. */
  fixSystemPrompt(prompt) {
    const field = this.#input('system-prompt');
    if (prompt === null) {
      field.readOnly = false;
      field.value = this.#stored()['system-prompt'] ?? '';
    } else {
      field.readOnly = true;
      field.value = prompt;
    }
  }

  /** temperature, top_p, max_tokens, seed, response_format, tools and tool_choice as set. */
  requestFields() {
    const fields = {};
    this.#number(fields, 'temperature', 'temperature');
    this.#number(fields, 'top_p', 'top-p');
    this.#number(fields, 'max_tokens', 'max-tokens', true);
    this.#number(fields, 'seed', 'seed', true);
    const format = this.#input('response-format').value;
    if (format === 'json_object') {
      fields.response_format = {type: 'json_object'};
    } else if (format === 'json_schema') {
      const schema = this.#json('json-schema');
      if (schema === null) {
        throw new SettingsError(this.#input('json-schema'), 'JSON schema mode needs a schema');
      }
      fields.response_format = {type: 'json_schema', json_schema: schema};
    }
    const tools = this.#json('tools');
    if (tools !== null) {
      if (!Array.isArray(tools)) {
        throw new SettingsError(this.#input('tools'), 'Tools must be a JSON array');
      }
      fields.tools = tools;
      fields.tool_choice = this.#input('tool-choice').value;
    }
    return fields;
  }

  #number(fields, name, id, integer = false) {
    const input = this.#input(id);
    if (input.value.trim() === '') {
      if (input.validity.badInput) {
        throw new SettingsError(input, `${name} is not a number`);
      }
      return;
    }
    const value = Number(input.value);
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      throw new SettingsError(input, `${name} must be ${integer ? 'a whole number' : 'a number'}`);
    }
    fields[name] = value;
  }

  #json(id) {
    const input = this.#input(id);
    if (input.value.trim() === '') {
      return null;
    }
    try {
      return JSON.parse(input.value);
    } catch (error) {
      throw new SettingsError(input, `${input.labels[0].textContent.trim()}: ${error.message}`);
    }
  }

  #showSchema() {
    const schema = this.#input('response-format').value === 'json_schema';
    this.#form.querySelectorAll('.for-schema').forEach(element => (element.hidden = !schema));
  }

  #input(id) {
    return this.#form.querySelector(`#${id}`);
  }

  #stored() {
    try {
      return JSON.parse(localStorage.getItem(STORAGE_KEY)) ?? {};
    } catch {
      return {};
    }
  }

  #restore() {
    for (const [id, value] of Object.entries(this.#stored())) {
      const input = this.#input(id);
      if (input) {
        input.value = value;
      }
    }
  }

  #save() {
    const values = {};
    for (const input of this.#form.querySelectorAll('input[id], select[id], textarea[id]')) {
      if (!input.readOnly) {
        values[input.id] = input.value;
      }
    }
    const stored = this.#stored();
    if (this.#input('system-prompt').readOnly) {
      values['system-prompt'] = stored['system-prompt'] ?? '';
    }
    localStorage.setItem(STORAGE_KEY, JSON.stringify(values));
  }
}
