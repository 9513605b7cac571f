// The customer page: opens from the link /c/#<token> (login.js), then shows the parts the
// portal's settings allow for the case (views.js, messages.js) in the portal's colours and
// language. The page's own words follow the customer's choice of language, else the portal's;
// before the case is known (the code step, a refused link), the browser's.
import { get, post, fatal } from './api.js';
import { h, fill } from './dom.js';
import { t, setLanguage, browserLanguage, fromTag } from './i18n.js';
import { login, takeToken } from './login.js';
import { Fatal, contactFooter, dashboardView, planView, budgetView, documentsView,
  load } from './views.js';
import { messagesView } from './messages.js';

const main = document.getElementById('main');
const tabs = document.getElementById('tabs');
const tabList = document.getElementById('tab-list');
const foot = document.getElementById('foot');
const langSelect = document.getElementById('lang-select');
const logoutButton = document.getElementById('logout');
const brand = document.getElementById('brand');

const LANG_KEY = 'claimsuite.customer.lang'; // the customer's own choice, on this device only
// the portal's language, for the views drawn before the case is known (a reload that finds the
// page closed): this tab only
const PORTAL_LANG_KEY = 'claimsuite.customer.portal-lang';
const PORTAL_LOOK_KEY = 'claimsuite.customer.portal-look'; // the same for the portal's colours
const TABS = [
  ['dashboard', 'tab_dashboard', (c) => dashboardView(c)],
  ['plan', 'tab_plan', () => planView()],
  ['messages', 'tab_messages', (c) => messagesView(c, showFatal)],
  ['documents', 'tab_documents', () => documentsView()],
  ['budget', 'tab_budget', () => budgetView()],
];

let theCase = null;
let currentTab = null;
let redraw = () => {};

function chosenLanguage() {
  try { return fromTag(localStorage.getItem(LANG_KEY)); } catch { return null; }
}

function portalLanguage() {
  try { return fromTag(sessionStorage.getItem(PORTAL_LANG_KEY)); } catch { return null; }
}

function portalLook() {
  try { return JSON.parse(sessionStorage.getItem(PORTAL_LOOK_KEY)); } catch { return null; }
}

function remember(key, value) {
  try { sessionStorage.setItem(key, value); } catch { /* private mode */ }
}

// The page's static words (the HTML's) in the current language.
function translateShell() {
  document.title = theCase ? `${t('title')} – ${theCase.claim_number}` : t('title');
  document.getElementById('skip-link').textContent = t('skip');
  document.getElementById('lang-label').textContent = t('language');
  logoutButton.textContent = t('logout');
  tabs.setAttribute('aria-label', t('sections'));
  langSelect.value = document.documentElement.lang;
}

// The portal's six colours as CSS custom properties (page.css uses only these); set through the
// CSSOM, which the Content-Security-Policy allows where a style attribute would be refused.
const COLOURS = {
  page_background_color: '--page-bg', menu_background_color: '--menu-bg',
  selected_menu_background_color: '--menu-selected-bg', font_color: '--font',
  selected_font_color: '--selected-font', heading_font_color: '--heading',
};
function applyLook(look, withLogo = true) {
  const root = document.documentElement.style;
  for (const [key, prop] of Object.entries(COLOURS)) {
    const v = look && look[key];
    if (typeof v === 'string' && /^#[0-9a-fA-F]{6}$/.test(v)) root.setProperty(prop, v);
  }
  fill(brand);
  if (withLogo && look && look.logo && look.logo.kind === 'custom') {
    brand.append(h('img', { src: '/v1/customer-portal/logo', alt: t('logo'), class: 'logo',
      height: look.logo.height_px || 40, onerror: (e) => e.target.remove() }));
  }
  brand.append(h('span', { class: 'brand-name' }, t('title')));
}

const ERRORS = {
  link: ['err_link_heading', 'err_link'], closed: ['err_closed_heading', 'err_closed'],
  session: ['err_session_heading', 'err_session'], nolink: ['err_nolink_heading', 'err_nolink'],
  down: ['err_down_heading', 'err_down'], other: ['err_down_heading', 'err_other'],
  too_many: ['err_link_heading', 'too_many'],
};

// A view that ends the page: the link refused, the case's page closed, the session gone.
function showFatal(err) {
  const kind = err instanceof Fatal ? err.kind : 'other';
  if (!(err instanceof Fatal)) console.error(err);
  const [heading, text] = ERRORS[kind] || ERRORS.other;
  const retry = err.body && (err.body.retry_after || err.body.retry_after_seconds);
  tabs.hidden = true;
  logoutButton.hidden = true;
  redraw = () => showFatal(err);
  translateShell();
  fill(main,
    h('div', { class: 'card notice', role: 'alert' },
      h('h1', { id: 'view-h', tabindex: '-1' }, t(heading)),
      h('p', null, t(text, { s: retry || 60 })),
      kind === 'down' || kind === 'other'
        ? h('button', { type: 'button', class: 'primary', onclick: () => location.reload() }, t('retry'))
        : null,
      kind === 'closed' || kind === 'link' || kind === 'session'
        ? (theCase && theCase.more_information_contact
          ? h('p', { class: 'more-info' }, `${t('more_info')}: `, theCase.more_information_contact)
          : null)
        : null));
  main.dataset.view = `error-${kind}`;
  main.querySelector('h1').focus();
}

function drawTabs() {
  const shown = TABS.filter(([name]) => name === 'dashboard' || theCase.tabs[name]);
  fill(tabList, shown.map(([name, label]) => h('li', null,
    h('button', { type: 'button', class: 'tab', 'data-tab': name,
      'aria-current': name === currentTab ? 'page' : false,
      onclick: () => showTab(name, true) }, t(label)))));
  tabs.hidden = shown.length < 2;
}

async function showTab(name, moveFocus) {
  currentTab = name;
  drawTabs();
  const [, , view] = TABS.find(([n]) => n === name);
  main.setAttribute('aria-busy', 'true');
  try {
    const nodes = await view(theCase);
    if (currentTab !== name) return; // another tab was chosen meanwhile
    fill(main, nodes);
    main.dataset.view = name;
    main.removeAttribute('aria-busy');
    redraw = () => showTab(name, false);
    if (moveFocus) main.querySelector('h1')?.focus();
  } catch (err) {
    main.removeAttribute('aria-busy');
    showFatal(err);
  }
}

async function openPage(moveFocus, loaded) {
  theCase = loaded || await load('/case');
  if (!theCase) throw new Fatal('session', null);
  const portalLang = fromTag(theCase.language);
  remember(PORTAL_LANG_KEY, portalLang || '');
  remember(PORTAL_LOOK_KEY, JSON.stringify(theCase.look || null));
  if (!chosenLanguage() && portalLang) setLanguage(portalLang);
  applyLook(theCase.look);
  translateShell();
  logoutButton.hidden = false;
  contactFooter(foot, theCase);
  await showTab('dashboard', moveFocus);
  // navigation start → the dashboard drawn: what the browser test measures
  performance.mark('claimsuite:dashboard');
  main.dataset.ready = 'true';
}

langSelect.addEventListener('change', () => {
  setLanguage(langSelect.value);
  try { localStorage.setItem(LANG_KEY, langSelect.value); } catch { /* private mode */ }
  translateShell();
  applyLook(theCase ? theCase.look : portalLook(), !!theCase);
  if (theCase) contactFooter(foot, theCase);
  redraw();
});

logoutButton.addEventListener('click', async () => {
  await post('/logout');
  theCase = null;
  showFatal(new Fatal('session', null));
});

// a link opened in a tab that shows the page already changes only the fragment: start again
window.addEventListener('hashchange', () => {
  if (location.hash.length > 1) location.reload();
});

async function start() {
  setLanguage(chosenLanguage() || portalLanguage() || browserLanguage());
  applyLook(portalLook(), false); // the session may be gone: the logo waits for the case
  translateShell();
  const token = takeToken();
  try {
    if (token !== null) {
      await login(token, main);
      await openPage(true);
      return;
    }
    // no link: a session this browser still holds (a reload), else ask for the link
    const r = await get('/case');
    if (r.status === 200) {
      await openPage(false, r.body);
      return;
    }
    throw new Fatal(r.status === 401 ? 'nolink' : fatal(r.status) || 'other', r.body);
  } catch (err) {
    showFatal(err);
  }
}

start();
