// The parts of the page a setting may show: the overview (case information, news feed, plan),
// the plan, the budget, the documents, and the contact block. Each view fetches what it shows
// and throws Fatal when the answer ends the page (api.js: fatal).
import { get, fatal } from './api.js';
import { h, fill, formatDate, formatDateTime, formatMoney, formatSize, portalPath } from './dom.js';
import { t } from './i18n.js';

export class Fatal extends Error {
  constructor(kind, body) {
    super(kind);
    this.kind = kind;
    this.body = body;
  }
}

// GET path: the body of a 200; null for 404 (the part is not shown now); Fatal otherwise.
export async function load(path) {
  const r = await get(path);
  if (r.status === 200) return r.body;
  if (r.status === 404) return null;
  throw new Fatal(fatal(r.status) || 'other', r.body);
}

// A term/definition list of the rows whose value is there.
function facts(rows) {
  const dl = h('dl', { class: 'facts' });
  for (const [term, value] of rows) {
    if (value === null || value === undefined || value === '') continue;
    dl.append(h('dt', null, term), h('dd', null, value));
  }
  return dl;
}

function addressText(a) {
  if (!a || typeof a !== 'object') return null;
  const line2 = [a.postal_code, a.city].filter(Boolean).join(' ');
  return [a.street, line2].filter(Boolean).join(', ') || null;
}


function person(p, withPhone) {
  if (!p || !p.name) return null;
  const phone = withPhone && (p.mobile || p.phone);
  return phone ? `${p.name} (${phone})` : p.name;
}

export function caseSection(c) {
  return h('section', { class: 'card', 'aria-labelledby': 'case-h' },
    h('h2', { id: 'case-h' }, t('case_heading')),
    facts([
      [t('claim_number'), c.claim_number],
      [t('damage_type'), word('damage', c.damage_type)],
      [t('damage_date'), formatDate(c.damage_date)],
      [t('address'), addressText(c.address)],
      [t('status'), t(`status_${c.status}`)],
      [t('case_handler'), person(c.case_handler, true)],
      [t('contact_person'), person(c.contact_person, true)],
    ]));
}

function newsItem(e) {
  return h('li', { class: 'news-item', 'data-kind': e.kind },
    h('time', { dateTime: e.at }, formatDateTime(e.at)),
    h('p', null, e.text || e.kind));
}

// The news feed, a page at a time (newest first).
function newsSection(first) {
  const list = h('ol', { class: 'news', id: 'news-list' }, first.items.map(newsItem));
  const section = h('section', { class: 'card', 'aria-labelledby': 'news-h' },
    h('h2', { id: 'news-h' }, t('news_heading')),
    first.items.length ? list : h('p', { class: 'empty' }, t('news_none')));
  let cursor = first.next_cursor;
  if (cursor) {
    const more = h('button', { type: 'button', class: 'secondary', onclick: async () => {
      more.disabled = true;
      const page = await load(`/news?cursor=${encodeURIComponent(cursor)}`);
      if (page) {
        list.append(...page.items.map(newsItem));
        cursor = page.next_cursor;
      }
      if (cursor) more.disabled = false; else more.remove();
    } }, t('more_news'));
    section.append(more);
  }
  return section;
}

// A word of the page for a value of the API (damage_water, task_repair), else the value itself.
function word(prefix, value) {
  if (!value) return null;
  const s = t(`${prefix}_${value}`);
  return s === `${prefix}_${value}` ? value : s;
}

function planTask(task) {
  const office = task.office &&
    [task.office.company_name, task.office.name].filter(Boolean).join(' – ');
  return h('li', { class: 'task' },
    h('h3', null, [word('task', task.type), task.trade].filter(Boolean).join(': ')),
    facts([
      [t('meeting'), formatDateTime(task.meeting_at)],
      [t('partner'), office],
      [t('responsible'), person(task.responsible, true)],
      [t('schedule'), task.schedule && [formatDate(task.schedule.start),
        formatDate(task.schedule.end)].filter(Boolean).join(' – ')],
    ]));
}

export function planSection(plan, level) {
  const H = level === 1 ? 'h1' : 'h2';
  return h('section', { class: 'card', 'aria-labelledby': 'plan-h' },
    h(H, { id: 'plan-h', tabindex: '-1' }, t(level === 1 ? 'tab_plan' : 'plan_heading')),
    plan.tasks.length ? h('ul', { class: 'tasks' }, plan.tasks.map(planTask))
      : h('p', { class: 'empty' }, t('plan_none')));
}

export async function dashboardView(c) {
  const [news, plan] = await Promise.all([
    c.tabs.news ? load('/news?limit=20') : null,
    c.tabs.plan ? load('/plan') : null,
  ]);
  return [
    h('h1', { id: 'view-h', tabindex: '-1' }, t('tab_dashboard')),
    caseSection(c),
    news ? newsSection(news) : null,
    plan ? planSection(plan, 2) : null,
  ];
}

export async function planView() {
  const plan = await load('/plan');
  return [planSection(plan || { tasks: [] }, 1)];
}

export async function budgetView() {
  const b = await load('/budget');
  const rows = (b ? b.budgets : []).map((x) => h('tr', null,
    h('th', { scope: 'row' }, t('budget_row', { n: x.revision })),
    h('td', null, formatMoney(x.total_excl_vat, x.currency)),
    h('td', null, formatMoney(x.total_vat, x.currency)),
    h('td', null, formatMoney(x.total_incl_vat, x.currency))));
  return [
    h('h1', { id: 'view-h', tabindex: '-1' }, t('budget_heading')),
    rows.length ? h('div', { class: 'card' },
      h('table', { class: 'budget' },
        h('thead', null, h('tr', null, h('td', null), h('th', { scope: 'col' }, t('budget_excl')),
          h('th', { scope: 'col' }, t('budget_vat')), h('th', { scope: 'col' }, t('budget_total')))),
        h('tbody', null, rows)),
      h('p', { class: 'total' }, `${t('budget_total')}: `,
        h('strong', { id: 'budget-total' }, formatMoney(b.total_incl_vat, b.currency))))
      : h('p', { class: 'empty' }, t('budget_none')),
  ];
}

function documentItem(d) {
  const href = portalPath(d.content);
  return h('li', { class: 'doc' },
    h('span', { class: 'doc-type' }, word('doc', d.type)),
    href ? h('a', { href, download: d.file_name || '', class: 'doc-link',
      'aria-label': t('doc_download', { name: d.title || d.file_name }) }, d.title || d.file_name)
      : h('span', null, d.title || d.file_name),
    h('span', { class: 'meta' },
      [d.file_name, formatSize(d.size || 0), d.added_by, t('doc_added', { date: formatDate(d.shared_at) })]
        .filter(Boolean).join(' · ')));
}

export async function documentsView() {
  const docs = await load('/documents');
  const items = docs ? docs.items : [];
  return [
    h('h1', { id: 'view-h', tabindex: '-1' }, t('docs_heading')),
    items.length ? h('ul', { class: 'docs card', id: 'doc-list' }, items.map(documentItem))
      : h('p', { class: 'empty' }, t('docs_none')),
  ];
}

// The footer: whom to contact (the case handler as the settings allow, and the portal's
// "contact for more information" text).
export function contactFooter(foot, c) {
  const handler = person(c.case_handler, true);
  fill(foot,
    h('h2', null, t('contact_heading')),
    handler ? h('p', null, `${t('case_handler')}: ${handler}`) : null,
    c.more_information_contact ? h('p', { class: 'more-info' }, `${t('more_info')}: `,
      c.more_information_contact) : null);
  foot.hidden = !handler && !c.more_information_contact;
}
