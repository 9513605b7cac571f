// Opening the page with the link's token (what follows '#'): a session at once, or after the
// security code the portal sends by SMS. The token is the customer's credential: it is taken
// out of the address bar at once and never stored.
import { post, fatal } from './api.js';
import { h, fill } from './dom.js';
import { t } from './i18n.js';
import { Fatal } from './views.js';

// The token of the address's fragment (base64url), removed from the address and the history.
export function takeToken() {
  const raw = location.hash.slice(1);
  if (!raw) return null;
  history.replaceState(null, '', location.pathname + location.search);
  return /^[A-Za-z0-9_-]{16,100}$/.test(raw) ? raw : '';
}

function refusal(r) {
  if (r.status === 401) return new Fatal('link', r.body);
  if (r.status === 429) return new Fatal('too_many', r.body);
  return new Fatal(fatal(r.status) || 'other', r.body);
}

// Resolves once the browser holds a session for token; draws the code form into main when the
// portal asks for one; rejects with Fatal when the link cannot open the page.
export async function login(token, main) {
  if (!token) throw new Fatal('link', null);
  const r = await post('/login', { token });
  if (r.status === 201) return;
  if (r.status !== 202) throw refusal(r);
  return new Promise((resolve, reject) => codeForm(main, token, r.body, resolve, reject));
}

function codeForm(main, token, sent, resolve, reject) {
  const input = h('input', { id: 'code', name: 'code', type: 'text', inputmode: 'numeric',
    autocomplete: 'one-time-code', maxLength: 6, required: true, pattern: '[0-9]{6}',
    'aria-describedby': 'code-status' });
  const status = h('p', { id: 'code-status', class: 'form-status', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('code_submit'));
  const resend = h('button', { type: 'button', class: 'secondary', id: 'code-resend' }, t('code_resend'));
  const form = h('form', { class: 'card', id: 'code-form', noValidate: true },
    h('label', { for: 'code' }, t('code_label')), input,
    h('div', { class: 'actions' }, submit, resend), status);
  fill(main,
    h('h1', { id: 'view-h', tabindex: '-1' }, t('code_heading')),
    h('p', null, t('code_intro', { to: sent.sent_to || '' })), form);
  main.dataset.view = 'code';
  input.focus();

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const code = input.value.replace(/\s+/g, '');
    if (!/^[0-9]{6}$/.test(code)) {
      input.setAttribute('aria-invalid', 'true');
      status.textContent = t('code_invalid');
      input.focus();
      return;
    }
    submit.disabled = true;
    const r = await post('/login/code', { token, code });
    submit.disabled = false;
    if (r.status === 201) {
      resolve();
      return;
    }
    input.setAttribute('aria-invalid', 'true');
    input.select();
    if (r.status === 401 && r.body && Number.isInteger(r.body.tries_left)) {
      status.textContent = t('code_wrong', { n: r.body.tries_left });
    } else if (r.status === 410) {
      status.textContent = t('code_expired');
    } else if (r.status === 429) {
      status.textContent = t('too_many', { s: retryAfter(r) });
    } else {
      reject(refusal(r));
    }
  });

  resend.addEventListener('click', async () => {
    resend.disabled = true;
    const r = await post('/login', { token });
    resend.disabled = false;
    if (r.status === 202) status.textContent = t('code_sent_again');
    else if (r.status === 201) resolve();
    else if (r.status === 429) status.textContent = t('too_many', { s: retryAfter(r) });
    else reject(refusal(r));
    input.focus();
  });
}

export function retryAfter(r) {
  const v = (r.body && r.body.retry_after) || Number(r.headers.get('Retry-After'));
  return Number.isFinite(v) && v > 0 ? v : 60;
}
