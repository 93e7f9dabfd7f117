// The console's shell: signing in (the access token lives in memory only;
// the refresh token is the HttpOnly cookie the server sets), the API
// client, the navigation and the pages: the task system, admin, and one
// page per enabled plugin, loaded from /console/pages/<plugin>.js.
import { tasksPage, taskPage } from '/console/tasks.js';
import { adminPage } from '/console/admin.js';

let token = null;
let user = null;
let plugins = [];
let timers = [];
let refreshing = null;  // one refresh at a time: a refresh token works once
let generation = 0;     // of render(): a page loaded late for a left view is dropped

// el('a', {href: '#/x', onclick: f}, 'text', child, ...): an element.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'html') node.innerHTML = value;  // only for the server's escaped highlights
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

function refresh() {
  refreshing ??= (async () => {
    try {
      const answer = await fetch('/api/v1/auth/refresh', { method: 'POST', credentials: 'same-origin' });
      if (!answer.ok) return false;
      token = (await answer.json()).access_token;
      return true;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export const authorization = () => (token ? { Authorization: `Bearer ${token}` } : {});

export async function api(method, path, body) {
  const send = () => fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      ...authorization(),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let answer = await send();
  if (answer.status === 401 && token && await refresh()) answer = await send();
  if (answer.status === 401 && path !== '/api/v1/auth/login') {
    signedOut();
    throw new ApiError(401, { detail: 'signed out' });
  }
  const text = await answer.text();
  const data = text ? JSON.parse(text) : null;
  if (!answer.ok) throw new ApiError(answer.status, data || {});
  return data;
}

export const can = (scope) => !!user && (user.scopes.includes('admin') || user.scopes.includes(scope));

// Says, or stops saying, that the page could not update.
function trouble(error) {
  const line = document.getElementById('trouble');
  line.textContent = error ? `Could not update: ${error.message}` : '';
  line.hidden = !error;
}

// Runs fn now and every `ms` until the page is left; a run still waiting
// for its answers is not started again.
export function every(ms, fn) {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      await fn();
      trouble(null);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) trouble(error);
    } finally {
      running = false;
    }
  };
  run();
  timers.push(setInterval(run, ms));
}

export const when = (value) => value === null || value === undefined ? '—' : new Date(value).toLocaleString();

export const errorText = (error) => el('p', { class: 'error', role: 'alert' }, error.message);

function signedOut() {
  token = null;
  user = null;
  render();
}

function signInPage(main) {
  const message = el('p', { role: 'alert', class: 'error' });
  const login = el('input', { id: 'login', name: 'login', autocomplete: 'username', required: true });
  const password = el('input', { id: 'password', name: 'password', type: 'password',
                                 autocomplete: 'current-password', required: true });
  const form = el('form', {
    onsubmit: async (event) => {
      event.preventDefault();
      message.textContent = '';
      try {
        token = (await api('POST', '/api/v1/auth/login', { login: login.value, password: password.value })).access_token;
        await start();
      } catch (error) {
        message.textContent = error.message;
      }
    },
  },
  el('label', { for: 'login' }, 'Login', login),
  el('label', { for: 'password' }, 'Password', password),
  el('button', { type: 'submit' }, 'Sign in'), message);
  main.append(el('section', { class: 'signin' }, el('h1', {}, 'Sign in to Orchestra'), form));
  login.focus();
}

function sections() {
  const list = [];
  if (can('tasks')) list.push({ hash: '#/tasks', title: 'Tasks' });
  for (const page of plugins) {
    if (!page.scope || can(page.scope)) list.push({ hash: `#/p/${page.id}`, title: page.title });
  }
  if (can('admin')) list.push({ hash: '#/admin', title: 'Admin' });
  return list;
}

function header() {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  nav.replaceChildren();
  who.replaceChildren();
  if (!user) return;
  const current = location.hash || '';
  for (const section of sections()) {
    const active = current === section.hash || current.startsWith(section.hash + '/');
    nav.append(el('a', { href: section.hash, 'aria-current': active ? 'page' : null }, section.title));
  }
  nav.append(el('a', { href: '/docs' }, 'API docs'));
  who.append(el('span', { class: 'muted' }, user.login, ' '), el('button', {
    class: 'quiet',
    // The cookie's refresh token is revoked (after a refresh when the access
    // token expired meanwhile), and the page forgets the user either way.
    onclick: async () => {
      try {
        await api('POST', '/api/v1/auth/logout');
      } catch (error) {
        console.warn(error);
      } finally {
        signedOut();
      }
    },
  }, 'Sign out'));
}

async function pluginPage(main, id, mine) {
  const page = plugins.find((p) => p.id === id);
  if (!page) {
    main.append(el('p', {}, 'No such page.'));
    return;
  }
  const module = await import(`/console/pages/${encodeURIComponent(id)}.js`);
  if (mine !== generation) return;  // the user went elsewhere meanwhile
  const root = el('section', { 'aria-label': page.title });
  main.append(root);
  await module.default(root, { user, can, api, el, every, when, errorText });
}

async function render() {
  const mine = ++generation;
  for (const timer of timers) clearInterval(timer);
  timers = [];
  trouble(null);
  header();
  const main = document.getElementById('main');
  main.replaceChildren();
  if (!user) return signInPage(main);
  const [, section, id] = (location.hash || '').split('/');
  try {
    if (section === 'tasks' && id) await taskPage(main, decodeURIComponent(id));
    else if (section === 'tasks') await tasksPage(main);
    else if (section === 'admin') await adminPage(main);
    else if (section === 'p') await pluginPage(main, decodeURIComponent(id || ''), mine);
    else {
      const first = sections()[0];
      if (first) location.hash = first.hash;
      else main.append(el('h1', {}, `Welcome, ${user.login}`), el('p', {}, 'No console pages for your scopes.'));
    }
  } catch (error) {
    main.append(errorText(error));
  }
}

async function start() {
  user = await api('GET', '/api/v1/auth/me');
  plugins = (await api('GET', '/console/pages')).items;
  await render();
}

window.addEventListener('hashchange', () => render());
(async () => {
  if (await refresh()) await start();
  else await render();
})();
