// Admin: users and their scopes, service tokens.
import { el, api, when, errorText } from '/console/app.js';

async function users(section) {
  const body = el('tbody');
  const status = el('p', { role: 'status' });
  const load = async () => {
    const page = await api('GET', '/api/v1/auth/users?limit=100');
    body.replaceChildren(...page.items.map((user) => {
      const scope = el('input', { 'aria-label': `scope to grant ${user.login}`, placeholder: 'scope', size: 10 });
      return el('tr', {}, el('td', {}, user.login),
        el('td', {}, user.scopes.map((s) => el('span', {}, s, ' ', el('button', {
          class: 'quiet', 'aria-label': `revoke ${s} from ${user.login}`,
          onclick: () => change('DELETE', user.login, s),
        }, '×'), ' '))),
        el('td', {}, el('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); change('PUT', user.login, scope.value.trim()); } },
          scope, el('button', { type: 'submit' }, 'Grant'))));
    }));
  };
  const change = async (method, login, scope) => {
    try {
      await api(method, `/api/v1/auth/users/${encodeURIComponent(login)}/scopes/${encodeURIComponent(scope)}`);
      status.textContent = `${method === 'PUT' ? 'Granted' : 'Revoked'} ${scope} (takes effect at ${login}'s next refresh)`;
      await load();
    } catch (error) {
      status.textContent = error.message;
    }
  };
  section.append(el('h2', {}, 'Users'), status, el('div', { class: 'scroll' }, el('table', {},
    el('thead', {}, el('tr', {}, ['login', 'scopes', 'grant'].map((h) => el('th', { scope: 'col' }, h)))), body)));
  await load();
}

async function tokens(section) {
  const body = el('tbody');
  const shown = el('div', { role: 'status' });
  const name = el('input', { id: 't-name', required: true, size: 14 });
  const scopes = el('input', { id: 't-scopes', placeholder: 'tasks, calculator', required: true, size: 18 });
  const ttl = el('input', { id: 't-ttl', placeholder: '30d', size: 6 });
  const load = async () => {
    const page = await api('GET', '/api/v1/auth/tokens');
    body.replaceChildren(...page.items.map((token) => el('tr', {}, el('td', {}, token.name), el('td', {}, token.scopes.join(', ')),
      el('td', {}, when(token.expires_at)), el('td', {}, el('button', {
        class: 'quiet', onclick: async () => { await api('DELETE', `/api/v1/auth/tokens/${encodeURIComponent(token.name)}`); await load(); },
      }, 'Revoke')))));
  };
  const form = el('form', {
    class: 'row',
    onsubmit: async (event) => {
      event.preventDefault();
      try {
        const created = await api('POST', '/api/v1/auth/tokens', {
          name: name.value.trim(), scopes: scopes.value.split(',').map((s) => s.trim()).filter(Boolean),
          ...(ttl.value.trim() ? { ttl: ttl.value.trim() } : {}),
        });
        shown.replaceChildren(el('p', {}, 'Copy the token now; it is not shown again:'), el('pre', {}, created.token));
        await load();
      } catch (error) {
        shown.replaceChildren(errorText(error));
      }
    },
  }, el('label', { for: 't-name' }, 'Name', name), el('label', { for: 't-scopes' }, 'Scopes', scopes),
  el('label', { for: 't-ttl' }, 'Lifetime', ttl), el('button', { type: 'submit' }, 'Create token'));
  section.append(el('h2', {}, 'Service tokens'), form, shown, el('div', { class: 'scroll' }, el('table', {},
    el('thead', {}, el('tr', {}, ['name', 'scopes', 'expires', ''].map((h) => el('th', { scope: 'col' }, h)))), body)));
  await load();
}

export async function adminPage(main) {
  main.append(el('h1', {}, 'Admin'));
  const left = el('section');
  const right = el('section');
  main.append(left, right);
  await users(left);
  await tokens(right);
}
