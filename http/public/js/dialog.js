import { $ } from './dom.js';

/** A big in-page confirmation (window.confirm is tiny on a phone and blocks the live view). */
export function confirmDialog(message, okLabel = 'Yes') {
  const dlg = $('#confirm');
  $('#confirm-text').textContent = message;
  $('#confirm-ok').textContent = okLabel;
  return new Promise((resolve) => {
    const done = (v) => () => {
      dlg.close();
      $('#confirm-ok').onclick = null;
      $('#confirm-cancel').onclick = null;
      resolve(v);
    };
    $('#confirm-ok').onclick = done(true);
    $('#confirm-cancel').onclick = done(false);
    dlg.oncancel = done(false);
    dlg.showModal();
    $('#confirm-cancel').focus();
  });
}
