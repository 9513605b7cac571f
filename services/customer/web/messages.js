// The messages with the case's staff: read (newest first), write, and send a file or image.
import { post, call, fatal } from './api.js';
import { h, fill, formatDateTime, formatSize, portalPath } from './dom.js';
import { t } from './i18n.js';
import { Fatal, load } from './views.js';

const MAX_FILE = 30 * 1024 * 1024; // the API's limit (413 beyond it)

function messageItem(m) {
  const mine = m.direction === 'from_customer';
  const file = m.file;
  const href = file && portalPath(file.download);
  const isImage = file && /^image\/(png|jpeg|gif|webp)$/.test(file.media_type || '');
  return h('li', { class: mine ? 'msg mine' : 'msg', 'data-id': m.id },
    h('p', { class: 'msg-head' },
      h('span', { class: 'sender' }, mine ? t('msg_you') : (m.sender && m.sender.name) || ''),
      ' · ', h('time', { dateTime: m.created_at }, formatDateTime(m.created_at)),
      m.unread ? h('span', { class: 'badge' }, t('msg_unread')) : null),
    m.text ? h('p', { class: 'msg-text' }, m.text) : null,
    file ? h('p', { class: 'msg-file' },
      href ? h('a', { href, download: file.file_name || '' },
        t('msg_attachment', { name: file.file_name }), ` (${formatSize(file.size || 0)})`)
        : t('msg_attachment', { name: file.file_name }),
      isImage && href ? h('img', { src: href, alt: file.file_name || '', class: 'thumb', loading: 'lazy' }) : null)
      : null);
}

// The view; c is the case (its messages_direction decides whether the form shows); onFatal
// ends the page when a send's answer says so (after the view was drawn).
export async function messagesView(c, onFatal) {
  const page = await load('/messages?limit=50');
  const list = h('ol', { class: 'msgs', id: 'msg-list' }, (page ? page.items : []).map(messageItem));
  const empty = h('p', { class: 'empty', hidden: list.children.length > 0 }, t('msgs_none'));
  if (page && page.unread > 0) post('/messages/read'); // seen now; the badge stays this once
  const canWrite = c.messages_direction !== 'to_customer_only';
  return [
    h('h1', { id: 'view-h', tabindex: '-1' }, t('msgs_heading')),
    canWrite ? composeForm(list, empty, onFatal) : h('p', { class: 'note' }, t('msg_only_to_you')),
    h('section', { class: 'card', 'aria-label': t('msgs_heading') }, empty, list),
  ];
}

function composeForm(list, empty, onFatal) {
  const text = h('textarea', { id: 'msg-text', name: 'text', rows: 4, maxLength: 10000 });
  const file = h('input', { id: 'msg-file', name: 'file', type: 'file',
    accept: 'image/*,application/pdf,.doc,.docx,.xls,.xlsx,.odt,.ods,video/*' });
  const preview = h('div', { class: 'preview', id: 'msg-preview' });
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite', id: 'msg-status' });
  const send = h('button', { type: 'submit', class: 'primary' }, t('msg_send'));
  let previewUrl = null;

  const clearPreview = () => {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = null;
    fill(preview);
  };
  file.addEventListener('change', () => {
    clearPreview();
    const f = file.files[0];
    if (!f) return;
    if (f.size > MAX_FILE) {
      status.textContent = t('msg_too_big');
      file.value = '';
      return;
    }
    const remove = h('button', { type: 'button', class: 'link-button', onclick: () => {
      file.value = '';
      clearPreview();
      file.focus();
    } }, t('msg_remove_file'));
    if (f.type.startsWith('image/')) {
      previewUrl = URL.createObjectURL(f); // blob: is all img-src allows besides 'self'
      fill(preview, h('img', { src: previewUrl, alt: f.name, class: 'thumb' }), remove);
    } else {
      fill(preview, h('span', null, `${f.name} (${formatSize(f.size)})`), remove);
    }
  });

  const form = h('form', { class: 'card compose', id: 'msg-form', noValidate: true },
    h('label', { for: 'msg-text' }, t('msg_write')), text,
    h('label', { for: 'msg-file' }, t('msg_file')), file, preview,
    h('div', { class: 'actions' }, send), status);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = text.value.trim();
    const f = file.files[0];
    if (!body && !f) {
      status.textContent = t('msg_empty');
      text.focus();
      return;
    }
    send.disabled = true;
    status.textContent = '';
    // one key per message: a retry after a lost answer cannot send it twice
    const key = { 'Idempotency-Key': crypto.randomUUID() };
    let r;
    if (f) {
      const fd = new FormData();
      if (body) fd.append('text', body);
      fd.append('file', f, f.name);
      r = await call('POST', '/messages', fd, key);
    } else {
      r = await call('POST', '/messages', { text: body }, key);
    }
    send.disabled = false;
    if (r.status === 201) {
      list.prepend(messageItem(r.body));
      empty.hidden = true;
      text.value = '';
      file.value = '';
      clearPreview();
      status.textContent = t('msg_sent');
      return;
    }
    const end = fatal(r.status);
    if (end && end !== 'down') {
      onFatal(new Fatal(end, r.body));
      return;
    }
    const why = r.status === 413 ? t('msg_too_big')
      : (r.body && (r.body.errors?.[0]?.message || r.body.detail)) || t('err_other');
    status.textContent = t('msg_refused', { why });
  });
  return form;
}
