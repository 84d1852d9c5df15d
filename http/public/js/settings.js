import { $, $$ } from './dom.js';
import { api, errorText, pin } from './api.js';
import { configPatch, problemsOf, fieldFor } from './model.js';

/** The settings form: every field is a config path; the server's validation is the only truth. */
export function settings(app) {
  const form = $('#settings-form');
  const fields = () => $$('[data-path]', form);
  const paths = () => fields().map((el) => el.dataset.path);

  const clearErrors = () => {
    for (const el of $$('.field-error', form)) { el.textContent = ''; el.hidden = true; }
    for (const el of fields()) el.removeAttribute('aria-invalid');
    $('#settings-msg').textContent = '';
    $('#settings-msg').dataset.kind = '';
  };

  const fill = (config) => {
    for (const el of fields()) {
      const v = el.dataset.path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), config);
      if (el.type === 'password') { el.value = ''; el.placeholder = v ? 'set (leave blank to keep)' : 'not set'; }
      else el.value = v ?? '';
    }
  };

  const values = () => Object.fromEntries(fields().map((el) => [el.dataset.path, el.value]));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors();
    if (!app.config) return;
    const patch = configPatch(values(), app.config);
    if (Object.keys(patch).length === 0) { say('Nothing changed.', 'info'); return; }
    const btn = $('#settings-save');
    btn.disabled = true;
    say('Saving…', 'info');
    const r = await api('POST', '/api/v1/config', patch);
    btn.disabled = false;
    if (r.ok) {
      app.setConfig(r.body.config);
      fill(r.body.config);
      const restart = r.body.restartRequired?.length ? ` Restart the node to apply: ${r.body.restartRequired.join(', ')}.` : '';
      const notices = (r.body.notices ?? []).map((n) => (typeof n === 'string' ? n : n.message)).join(' ');
      say(`Saved: ${(r.body.changed ?? []).join(', ') || 'no change'}.${restart} ${notices}`.trim(), 'ok');
      return;
    }
    if (r.status === 400) {
      const unplaced = [];
      for (const p of problemsOf(r.body)) {
        const path = fieldFor(p.path, paths());
        const input = path && form.querySelector(`[data-path="${path}"]`);
        const box = input && form.querySelector(`.field-error[data-for="${path}"]`);
        if (box) {
          box.hidden = false;
          box.textContent = box.textContent ? `${box.textContent}; ${p.message}` : p.message;
          input.setAttribute('aria-invalid', 'true');
        } else unplaced.push(`${p.path}: ${p.message}`);
      }
      say(unplaced.length ? `Not saved: ${unplaced.join('; ')}` : 'Not saved: see the highlighted field.', 'error');
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    say(`Not saved: ${errorText(r)}`, 'error');
  });

  // The PIN lives on this phone only and goes out as the Bearer token.
  const pinForm = $('#pin-form');
  const showPin = () => { $('#pin-state').textContent = pin.get() ? 'A PIN is stored on this phone.' : 'No PIN stored.'; };
  pinForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    pin.set(pinForm.elements.pin.value.trim());
    pinForm.elements.pin.value = '';
    showPin();
    app.pinSaved();
  });
  $('#pin-forget').addEventListener('click', () => { pin.set(''); showPin(); });
  showPin();

  function say(text, kind) {
    const m = $('#settings-msg');
    m.textContent = text;
    m.dataset.kind = kind;
  }

  return {
    fill,
    showVersion(status) {
      $('#version').textContent = status?.version ?? '—';
    },
  };
}
