package org.llmplatform.tokenizer.model;

/**
 * The template used for a model that ships none (a base model such as stories260K): a plain-text
 * transcript any vocabulary can encode. The BOS token (when the model has one), then the system
 * message's content followed by a blank line, then each turn as {@code "User: …"} or {@code
 * "Assistant: …"} followed by a blank line, and {@code "Assistant:"} as the generation prompt.
 * {@code /v1/internal/tokenizer} reports {@code chat_template_source: "default"} for such a model.
 */
final class DefaultChatTemplate {

  private DefaultChatTemplate() {}

  static final String SOURCE =
      """
      {%- if bos_token %}{{ bos_token }}{% endif %}
      {%- for message in messages %}
      {%- if message['content'] is string %}{% set content = message['content'] | trim %}
      {%- elif message['content'] is iterable %}{% set ns = namespace(text='') %}
      {%- for part in message['content'] %}{% if part['type'] == 'text' %}\
      {% set ns.text = ns.text + part['text'] %}{% endif %}{% endfor %}\
      {% set content = ns.text | trim %}
      {%- else %}{% set content = '' %}{% endif %}
      {%- if message['role'] == 'system' %}{{ content + '\\n\\n' }}
      {%- elif message['role'] == 'user' %}{{ 'User: ' + content + '\\n\\n' }}
      {%- elif message['role'] == 'assistant' %}{{ 'Assistant: ' + content + '\\n\\n' }}
      {%- else %}{{ 'Tool: ' + content + '\\n\\n' }}{% endif %}
      {%- endfor %}
      {%- if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}""";
}
