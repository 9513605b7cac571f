// Building the page's elements. Everything a person or the API wrote goes in as text (the
// strings of children become text nodes): nothing from a message, a file name or a news entry
// is ever parsed as HTML.
import { locale } from './i18n.js';

// An element: attrs sets properties ("class", "for", "aria-*", "data-*" and "hidden" as
// attributes, "on*" as listeners); children are nodes, strings (as text), or null (skipped).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('aria-') || k.startsWith('data-') || k === 'for' || k === 'role' ||
             k === 'hidden' || k === 'tabindex' || k === 'autocomplete' || k === 'inputmode' ||
             k === 'download' || k === 'lang')
      el.setAttribute(k, v === true ? '' : String(v));
    else el[k] = v;
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

// Replaces what el holds.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso.length === 10 ? iso + 'T12:00:00Z' : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium' }).format(d);
}

export function formatDateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

// An amount in the currency's minor unit (the API never sends floating point money).
export function formatMoney(minor, currency) {
  if (!currency) return String(minor);
  const f = new Intl.NumberFormat(locale(), { style: 'currency', currency });
  const digits = f.resolvedOptions().maximumFractionDigits;
  return f.format(minor / 10 ** digits);
}

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const n = new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 });
  if (bytes < 1024 * 1024) return `${n.format(bytes / 1024)} kB`;
  return `${n.format(bytes / (1024 * 1024))} MB`;
}

// A path of the customer-portal API the page may link to (a download), or null: a value from
// an answer never becomes a link elsewhere.
export function portalPath(p) {
  return typeof p === 'string' && p.startsWith('/v1/customer-portal/') && !p.includes('..')
    ? p : null;
}
