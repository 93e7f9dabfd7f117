// The search console page: search as you type over every indexed source,
// with highlights, facets and pages.
export default async function mount(root, app) {
  const { el, api } = app;
  const box = el('input', { id: 'search-q', type: 'search', size: 32, autocomplete: 'off',
                            placeholder: 'e.g. pokemon, "exact phrase", -excluded' });
  const source = el('select', { id: 'search-source' }, el('option', { value: '' }, 'everything'),
    ['steam-sync.apps', 'notifications.teams', 'notifications.matches'].map((s) => el('option', { value: s }, s)));
  const status = el('p', { role: 'status', class: 'muted' });
  const facets = el('div', { class: 'row', 'aria-label': 'facets' });
  const hits = el('ol', { id: 'search-hits' });
  const more = el('button', { class: 'quiet', hidden: true }, 'More results');
  let cursor = null;
  let pending = null;
  let asked = 0;  // answers to an older search are dropped

  // Highlights are HTML the server escaped, with only its <mark> tags.
  const hit = (item) => el('li', {},
    item.highlights.title ? el('div', { html: item.highlights.title }) : el('div', {}, item.key),
    el('div', { class: 'muted', html: item.highlights.snippet }),
    el('small', { class: 'muted' }, `${item.source} · ${item.key} · score ${item.score.toFixed(3)}`));

  async function search(fresh) {
    const q = box.value.trim();
    const mine = ++asked;
    if (fresh) { cursor = null; hits.replaceChildren(); facets.replaceChildren(); }
    if (!q) { status.textContent = ''; more.hidden = true; return; }
    const query = new URLSearchParams({ q: box.value, limit: '20', facets: 'genre,type' });
    if (source.value) query.set('source', source.value);
    if (cursor) query.set('cursor', cursor);
    try {
      const page = await api('GET', `/api/v1/search?${query}`);
      if (mine !== asked) return;
      hits.append(...page.items.map(hit));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      status.textContent = hits.children.length ? `${hits.children.length}${cursor ? '+' : ''} results` : 'No results';
      if (fresh) {
        for (const [name, values] of Object.entries(page.facets)) {
          if (values.length) facets.append(el('div', {}, el('strong', {}, name), ' ', values.map((v) => `${v.value} (${v.count})`).join(' · ')));
        }
      }
    } catch (error) {
      if (mine === asked) status.textContent = error.message;
    }
  }
  const soon = () => { clearTimeout(pending); pending = setTimeout(() => search(true), 200); };
  box.addEventListener('input', soon);
  source.addEventListener('change', () => search(true));
  more.addEventListener('click', () => search(false));
  root.append(el('h1', {}, 'Search'),
    el('form', { class: 'row', role: 'search', onsubmit: (e) => { e.preventDefault(); search(true); } },
      el('label', { for: 'search-q' }, 'Search', box), el('label', { for: 'search-source' }, 'In', source)),
    status, facets, hits, more);
  box.focus();
}
